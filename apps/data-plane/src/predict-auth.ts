import { isIP } from 'node:net';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** What {@link resolvePredictAuth} decided, and the warning to print loudly at start-up, if any. */
export interface PredictAuthDecision {
  enabled: boolean;
  warning: string | null;
}

/**
 * Whether /v1 and /v2 need a predict token. An explicit PREDICT_AUTH wins. Unset, it is on except in
 * the embedded mode on a loopback address: a laptop demo needs no token, but a server reachable from
 * the network never serves predictions and feedback to anyone by default. Turning it off explicitly
 * on a non-loopback address is allowed, with a warning.
 */
export function resolvePredictAuth(options: {
  setting: 'on' | 'off' | undefined;
  host: string;
  embedded: boolean;
}): PredictAuthDecision {
  const loopback = isLoopbackHost(options.host);
  const enabled = options.setting ? options.setting === 'on' : !(options.embedded && loopback);
  const warning =
    !enabled && !loopback
      ? `WARNING: predict auth is OFF (PREDICT_AUTH=off) on ${options.host}, which is not a loopback address: anyone who can reach this port can run predictions and send feedback without a token`
      : null;
  return { enabled, warning };
}
