import { randomBucket, route, routeBucket } from '@modelplane/router';
import { parseModelRef, VERSION_LABEL_PATTERN } from '@modelplane/schemas';
import type { Problem } from '../errors.ts';
import type { LoadFailure, ModelTable, RoutingSnapshot, VersionConfig } from '../routing/types.ts';

/** The version a request goes to, or why it cannot go anywhere (a return value: this is the hot path). */
export type Target =
  | { ok: true; table: ModelTable; version: VersionConfig; pinned: boolean }
  | { ok: false; problem: Problem };

/** Seconds a caller should wait after "no traffic": an operator has to act, so not a tight loop. */
const NO_TRAFFIC_RETRY_AFTER = 10;

/** Routing keys are hashed per request; the body schema caps `routingKey` at the same length. */
const MAX_ROUTING_KEY_LENGTH = 256;
const LONG_ROUTING_KEY: Problem = {
  code: 'BAD_REQUEST',
  message: `x-routing-key: at most ${MAX_ROUTING_KEY_LENGTH} characters`,
};

/** Before the first snapshot loads nothing can be routed; it usually loads within a second. */
export const NOT_LOADED: Problem = {
  code: 'UNAVAILABLE',
  message: 'the replica has not loaded its routing state yet',
  retryAfterSeconds: 1,
};

/**
 * The resolve stage: picks the version for one request from one snapshot. A pin (`2.4.0` or `name@2.4.0`) selects
 * any non-archived version; otherwise the active revision's bucket map decides, sticky when a
 * routing key is given and uniformly random when not.
 */
export function resolveTarget(
  snapshot: RoutingSnapshot,
  model: string,
  pin: string | undefined,
  routingKey: string | undefined,
): Target {
  // Only a header can carry a longer key: the body schemas stop one at this length already.
  if (routingKey !== undefined && routingKey.length > MAX_ROUTING_KEY_LENGTH) return fail(LONG_ROUTING_KEY);
  const table = snapshot.models.get(model);
  if (!table) return fail({ code: 'NOT_FOUND', message: `model "${model}" not found` });
  if (pin !== undefined) {
    const label = pinnedLabel(model, pin);
    if (typeof label !== 'string') return fail(label.problem);
    // While a newer table is blocked by a failed load, versions registered since are pinnable too.
    const version = table.versionsByLabel.get(label) ?? table.loadFailure?.pending.versionsByLabel.get(label);
    if (!version) return fail({ code: 'NOT_FOUND', message: `version ${model}@${label} not found` });
    return { ok: true, table, version, pinned: true };
  }
  const revision = table.revision;
  if (!revision) {
    if (table.loadFailure) return fail(loadFailedProblem(table.loadFailure));
    return fail({
      code: 'UNAVAILABLE',
      message: `model "${model}" has no traffic configured`,
      retryAfterSeconds: NO_TRAFFIC_RETRY_AFTER,
    });
  }
  const versionId =
    routingKey === undefined
      ? routeBucket(revision.map, randomBucket())
      : route(revision.map, revision.salt, routingKey);
  const version = table.versions.get(versionId);
  // A revision naming a version the snapshot lacks is a transient inconsistency, not the caller's fault.
  if (!version) {
    return fail({
      code: 'UNAVAILABLE',
      message: `model "${model}" is being reconfigured`,
      retryAfterSeconds: 1,
    });
  }
  return { ok: true, table, version, pinned: false };
}

/** Traffic is configured, but the versions it routes to failed to load here: say which, and why. */
export function loadFailedProblem(failure: LoadFailure): Problem {
  const [first, ...others] = failure.failures;
  const more = others.length > 0 ? ` (and ${others.length} more version(s) of this model)` : '';
  return {
    code: 'VERSION_LOAD_FAILED',
    message: `version ${first?.ref} failed to load: ${first?.reason}${more}`,
    retryAfterSeconds: NO_TRAFFIC_RETRY_AFTER,
  };
}

function pinnedLabel(model: string, pin: string): string | { problem: Problem } {
  if (pin.includes('@')) {
    const ref = parseModelRef(pin);
    if (!ref)
      return { problem: { code: 'BAD_REQUEST', message: `"${clip(pin)}" is not a valid name@version` } };
    if (ref.model !== model) {
      return {
        problem: {
          code: 'BAD_REQUEST',
          message: `version ${ref.model}@${ref.version} does not belong to model "${model}"`,
        },
      };
    }
    return ref.version;
  }
  if (!VERSION_LABEL_PATTERN.test(pin)) {
    return { problem: { code: 'BAD_REQUEST', message: `"${clip(pin)}" is not a valid version label` } };
  }
  return pin;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

function fail(problem: Problem): Target {
  return { ok: false, problem };
}

/** Ids of the versions the active revisions currently send traffic to (weight above zero). */
export function trafficVersions(snapshot: RoutingSnapshot): VersionConfig[] {
  const out: VersionConfig[] = [];
  for (const table of snapshot.models.values()) {
    for (const entry of table.revision?.weights ?? []) {
      const version = table.versions.get(entry.versionId);
      if (entry.weight > 0 && version) out.push(version);
    }
  }
  return out;
}
