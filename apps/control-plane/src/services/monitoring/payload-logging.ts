import { listPayloadLogging, setPayloadLogging } from '@modelplane/db';
import type { SetPayloadLoggingInput } from '@modelplane/schemas';
import type { Principal } from '../../auth.ts';
import type { Deps } from '../../deps.ts';
import { runMutation } from '../mutation.ts';
import { requireModel } from '../registry.ts';

/** A model's payload-logging setting (off when never set). */
export async function getPayloadLogging(deps: Deps, model: string) {
  await requireModel(deps.db, model);
  const [row] = await listPayloadLogging(deps.db, model);
  return {
    model,
    enabled: row?.enabled ?? false,
    sampleRate: row?.sampleRate ?? 0,
    updatedBy: row?.updatedBy ?? null,
    updatedAt: row ? row.updatedAt.toISOString() : null,
  };
}

/**
 * Turns storing request and response payloads on or off for a model. Replicas re-read the setting
 * within seconds (no bus message needed for a logging setting).
 */
export function updatePayloadLogging(deps: Deps, principal: Principal, input: SetPayloadLoggingInput) {
  return runMutation(deps, principal, async ({ tx, audit }) => {
    const model = await requireModel(tx, input.model);
    const [before] = await listPayloadLogging(tx, model.name);
    await setPayloadLogging(tx, {
      modelId: model.id,
      enabled: input.enabled,
      sampleRate: input.sampleRate,
      updatedBy: principal.actor,
    });
    const after = { model: model.name, enabled: input.enabled, sampleRate: input.sampleRate };
    await audit({
      action: 'metrics.payloadLogging.set',
      target: model.name,
      before: before ? { model: before.model, enabled: before.enabled, sampleRate: before.sampleRate } : null,
      after,
    });
    return after;
  });
}
