import type { Datatype, Tensor } from '../backends/types.ts';

const DATATYPES = new Set<Datatype>([
  'BOOL',
  'UINT8',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

/** Why a result is not cached. */
export type SkipReason = 'tooLarge' | 'nonFinite';

/** A cached prediction: the output tensors and when the entry expires (epoch ms). */
export interface CachedOutputs {
  outputs: readonly Tensor[];
  expiresAt: number;
}

function elementOk(value: unknown, datatype: Datatype): boolean {
  if (datatype === 'BOOL') return typeof value === 'boolean';
  if (datatype === 'BYTES') return typeof value === 'string';
  return typeof value === 'number' && Number.isFinite(value);
}

function tensorOk(tensor: Tensor): boolean {
  if (!DATATYPES.has(tensor.datatype) || !Array.isArray(tensor.data) || !Array.isArray(tensor.shape))
    return false;
  let count = 1;
  for (const d of tensor.shape) {
    if (!Number.isInteger(d) || d < 0) return false;
    count *= d;
  }
  if (tensor.data.length !== count) return false;
  return (tensor.data as unknown[]).every((v) => elementOk(v, tensor.datatype));
}

/**
 * Serialises outputs for both tiers, or says why they must not be cached: a NaN or Infinity would
 * come back as `null` (JSON has neither), and an entry over `maxBytes` would crowd out many others.
 */
export function encodeEntry(
  outputs: readonly Tensor[],
  expiresAt: number,
  maxBytes: number,
): string | SkipReason {
  if (!outputs.every(tensorOk)) return 'nonFinite';
  const text = JSON.stringify({
    v: 1,
    exp: expiresAt,
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: t.data })),
  });
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only text that might be over needs counting.
  return text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes ? 'tooLarge' : text;
}

/** Reads an entry back; null when it is not a well-formed entry (it is then treated as a miss). */
export function decodeEntry(text: string): CachedOutputs | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const entry = value as { v?: unknown; exp?: unknown; outputs?: unknown };
  if (entry?.v !== 1 || typeof entry.exp !== 'number' || !Array.isArray(entry.outputs)) return null;
  const outputs = entry.outputs as Tensor[];
  if (!outputs.every((t) => typeof t?.name === 'string' && tensorOk(t))) return null;
  return { outputs: freezeOutputs(outputs), expiresAt: entry.exp };
}

/**
 * Cached outputs are shared by every request that hits them; frozen, a caller that tried to modify
 * one would fail loudly instead of changing what later requests receive.
 */
export function freezeOutputs(outputs: readonly Tensor[]): readonly Tensor[] {
  for (const t of outputs) {
    Object.freeze(t.data);
    Object.freeze(t.shape);
    Object.freeze(t);
  }
  return Object.freeze([...outputs]);
}
