import { type AlertEventRow, claimDueDeliveries, type Executor, recordDeliveryAttempt } from '@modelplane/db';

/** Where and how alert events are posted. */
export interface WebhookOptions {
  url: string;
  timeoutMs: number;
  /** Attempts before an event is marked failed. */
  maxAttempts: number;
}

/**
 * The JSON body a webhook receives for one event: a rule's firing or resolved alert, or a rollout's
 * event (state `event`, or a rollout alert), whose own fields (rollout, weights, reason, tick) follow.
 */
export function webhookBody(event: AlertEventRow) {
  return {
    id: Number(event.id),
    state: event.state,
    model: event.model,
    kind: event.kind,
    value: event.value,
    threshold: event.threshold,
    message: event.message,
    at: new Date(event.created_at).toISOString(),
    ...(event.payload ?? {}),
  };
}

/**
 * Posts every event that is due, each claimed first so no other control plane posts it at the same
 * time. A failure is retried with exponential backoff (1 s, 2 s, 4 s, … up to 5 min) until
 * `maxAttempts`. Delivery is at least once: a receiver can deduplicate on `id`.
 */
export async function deliverDueAlerts(db: Executor, options: WebhookOptions): Promise<number> {
  const due = await claimDueDeliveries(db, 20, options.timeoutMs * 2 + 5000);
  for (const event of due) {
    const error = await post(options, event);
    if (error === null) {
      await recordDeliveryAttempt(db, Number(event.id), { ok: true });
      continue;
    }
    const attempts = event.attempts + 1;
    const retryInMs = attempts >= options.maxAttempts ? null : Math.min(300_000, 1000 * 2 ** (attempts - 1));
    await recordDeliveryAttempt(db, Number(event.id), { ok: false, error, retryInMs });
  }
  return due.length;
}

async function post(options: WebhookOptions, event: AlertEventRow): Promise<string | null> {
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'modelplane-alerts' },
      body: JSON.stringify(webhookBody(event)),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
