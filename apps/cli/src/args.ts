import type { ModelRef } from '@modelplane/schemas';
import { UsageError } from './errors.ts';
import { formatPercent } from './output.ts';

/** Total weight in basis points (10000 = 100 %), as the API counts it. */
const TOTAL_BP = 10_000;

/**
 * Splits `name@version`, or fails with a usage error. Only the shape is checked here: the server
 * owns the naming rules, and importing them would load Zod on every start of the CLI.
 */
export function parseRef(text: string): ModelRef {
  const at = text.indexOf('@');
  if (at <= 0 || at === text.length - 1 || text.indexOf('@', at + 1) !== -1) {
    throw new UsageError(`"${text}" is not a <model>@<version> reference (e.g. recs@2.4.0)`);
  }
  return { model: text.slice(0, at), version: text.slice(at + 1) };
}

/** `10` → 1000, `12.5` → 1250, `0.01` → 1: percent with at most two decimals, as integer basis points. */
export function percentToBasisPoints(text: string, what = 'percent'): number {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new UsageError(`${what}: "${text}" is not a percentage with at most 2 decimals`);
  // String arithmetic, not float multiplication: 0.29 * 100 is 28.999999999999996.
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (bp > TOTAL_BP) throw new UsageError(`${what}: ${text} is more than 100`);
  return bp;
}

/** Parses `1.0.0=90,2.0.0=10` into weights in basis points that must add up to 100 %. */
export function parseWeights(text: string): { version: string; weight: number }[] {
  const weights = splitPairs(text, '--weights').map(([version, percent]) => ({
    version,
    weight: percentToBasisPoints(percent, `--weights ${version}`),
  }));
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  if (total !== TOTAL_BP) {
    throw new UsageError(`--weights add up to ${formatPercent(total)}, not 100%`);
  }
  return weights;
}

/** Parses `accuracy=0.91,trainedOnRows=10000` into finite numbers. */
export function parseMetrics(text: string): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, raw] of splitPairs(text, '--metrics')) {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new UsageError(`--metrics ${name}: "${raw}" is not a number`);
    }
    metrics[name] = value;
  }
  return metrics;
}

function splitPairs(text: string, flag: string): [string, string][] {
  const parts = text.split(',').map((part) => part.trim());
  return parts.map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`${flag}: expected name=value pairs separated by commas, got "${part}"`);
    return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
  });
}

/** Parses a flag's JSON text that must be an object, e.g. `--serving-options '{"deadlineMs":500}'`. */
export function parseJsonObject(text: string, flag: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: invalid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${flag}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A positive integer flag such as `--limit 20`. */
export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag}: "${text}" is not a positive integer`);
  }
  return Number(text);
}

/** One of a fixed set of words, e.g. `--cache on|off`. */
export function parseChoice<T extends string>(text: string, choices: readonly T[], flag: string): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${flag}: "${text}" is not one of ${choices.join(', ')}`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
/** The longest `--wait` accepted: a deploy script that waits longer wants its own loop. */
const MAX_DURATION_MS = 60 * 60_000;

/** A duration flag such as `--wait 30s`: a positive number with a unit, `ms`, `s` or `m` (up to 1 h). */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? Number.NaN)) : 0;
  if (!match || ms < 1 || ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag}: "${text}" is not a duration between 1ms and 60m (e.g. 500ms, 10s, 2m)`);
  }
  return ms;
}
