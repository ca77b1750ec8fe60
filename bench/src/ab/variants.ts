// `pnpm bench:ab`: what a variant is, and how two variants compare round by round.
import { isAbsolute, resolve } from 'node:path';
import type { RoundFigures } from '../harness/measure.ts';
import { median } from '../harness/median.ts';

/** One build of the data plane to measure, with the environment it runs under. */
export interface Variant {
  name: string;
  /** Absolute path of its `main.js`. */
  main: string;
  env: Record<string, string>;
  /** Flags for node itself (`NODE_ARGS=--a --b` in the spec), for V8 flags NODE_OPTIONS refuses. */
  nodeArgs: string[];
}

/**
 * Reads `name=path/to/main.js[,KEY=VALUE...]`: a relative path is taken from `root` (the repository),
 * and each KEY=VALUE is set in that data plane's environment (e.g. `PREDICTION_LOG=off`).
 */
export function parseVariant(spec: string, root: string): Variant {
  const [head = '', ...settings] = spec.split(',');
  const eq = head.indexOf('=');
  const name = head.slice(0, eq).trim();
  const path = head.slice(eq + 1).trim();
  if (eq <= 0 || path === '')
    throw new Error(`--variant ${spec}: expected name=path/to/main.js[,KEY=VALUE...]`);
  const env: Record<string, string> = {};
  for (const setting of settings) {
    const at = setting.indexOf('=');
    if (at <= 0) throw new Error(`--variant ${spec}: "${setting}" is not KEY=VALUE`);
    env[setting.slice(0, at)] = setting.slice(at + 1);
  }
  const nodeArgs = env.NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
  delete env.NODE_ARGS;
  return { name, main: isAbsolute(path) ? path : resolve(root, path), env, nodeArgs };
}

/** A variant's server CPU per request against the first variant's, in each round and as the median. */
export interface Difference {
  perRound: number[];
  median: number;
}

/**
 * `variant - baseline` in server CPU µs per request, within each round: the two ran back to back,
 * so a slow spell of the machine moves both. The median over rounds is the figure to quote.
 */
export function cpuDifference(
  variant: readonly RoundFigures[],
  baseline: readonly RoundFigures[],
): Difference {
  const n = Math.min(variant.length, baseline.length);
  const perRound: number[] = [];
  for (let i = 0; i < n; i++)
    perRound.push((variant[i] as RoundFigures).serverCpuUs - (baseline[i] as RoundFigures).serverCpuUs);
  return { perRound, median: median(perRound) };
}
