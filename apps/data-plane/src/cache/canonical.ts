import { hash } from 'node:crypto';
import type { Tensor } from '../backends/types.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';

/** Bumped when the key or entry format changes, so old entries are never misread. */
const KEYSPACE = 'modelplane-prediction-cache/1';

/**
 * A value as the model will see it: FP32 inputs are rounded to float32 first (0.1 and
 * 0.10000000149 are the same input to the model), and -0 is 0. String() of a finite number is its
 * shortest round-trip form (as JSON.stringify writes it), so `1`, `1.0` and `1e0` all become `1`.
 */
function normalise(value: number | boolean | string, datatype: Tensor['datatype']): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'number') return JSON.stringify(value);
  return String(datatype === 'FP32' ? Math.fround(value) : value);
}

/**
 * The canonical JSON of validated input tensors: sorted by name, each object with its keys in
 * sorted order (data, datatype, name, shape) and its numbers normalised. Row-format, columnar
 * and OIP requests for the same tensors therefore give the same text.
 */
export function canonicalInput(tensors: readonly Tensor[]): string {
  const sorted = tensors.length > 1 ? [...tensors].sort(byName) : tensors;
  let text = '[';
  for (let t = 0; t < sorted.length; t++) {
    const tensor = sorted[t] as Tensor;
    const data = tensor.data as ArrayLike<number | boolean | string>;
    let values = '';
    for (let i = 0; i < data.length; i++) {
      values += (i === 0 ? '' : ',') + normalise(data[i] as number | boolean | string, tensor.datatype);
    }
    text += `${t === 0 ? '' : ','}{"data":[${values}],"datatype":${JSON.stringify(tensor.datatype)},"name":${JSON.stringify(tensor.name)},"shape":${JSON.stringify(tensor.shape)}}`;
  }
  return `${text}]`;
}

function byName(a: Tensor, b: Tensor): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** sha256 (hex) of the canonical input; the prediction log records it too. */
export function inputHash(tensors: readonly Tensor[]): string {
  return hash('sha256', canonicalInput(tensors), 'hex');
}

/** What makes a version's outputs what they are: its artifact, or for a remote backend, where it points. */
function versionIdentity(version: VersionConfig): string {
  if (version.artifact) return `sha256:${version.artifact.sha256}`;
  return `backend:${JSON.stringify(version.backend, Object.keys(version.backend).sort())}`;
}

/**
 * The cache key of one prediction: `<model>:<cache gen>:<version id>:<version cache gen>:<digest>`,
 * where the digest is a sha256 over all of it plus the version's artifact digest and the input
 * hash. Computed after routing, so an entry can only ever be read for the version it came from;
 * the readable prefix lets a purge find a model's (or version's) older entries.
 */
export function cacheKey(table: ModelTable, version: VersionConfig, inputDigest: string): string {
  const scope = versionScope(table, version);
  return `${scope.prefix}${hash('sha256', `${scope.digestPrefix}${JSON.stringify(inputDigest)}]`, 'hex')}`;
}

interface VersionScope {
  model: string;
  cacheGeneration: number;
  versionGeneration: number;
  /** The readable key prefix, `<model>:<cache gen>:<version id>:<version cache gen>:`. */
  prefix: string;
  /** What the digest covers besides the input hash (a JSON array missing its last element). */
  digestPrefix: string;
}

// Computed once per version config (a new routing table brings new objects), not per request.
const scopes = new WeakMap<VersionConfig, VersionScope>();

function versionScope(table: ModelTable, version: VersionConfig): VersionScope {
  const known = scopes.get(version);
  const versionGeneration = version.cacheGeneration ?? 1;
  if (
    known?.model === table.name &&
    known.cacheGeneration === table.cacheGeneration &&
    known.versionGeneration === versionGeneration
  ) {
    return known;
  }
  const parts = [
    KEYSPACE,
    table.name,
    table.cacheGeneration,
    version.id,
    versionGeneration,
    versionIdentity(version),
  ];
  const scope = {
    model: table.name,
    cacheGeneration: table.cacheGeneration,
    versionGeneration,
    prefix: `${table.name}:${table.cacheGeneration}:${version.id}:${versionGeneration}:`,
    digestPrefix: `${JSON.stringify(parts).slice(0, -1)},`,
  };
  scopes.set(version, scope);
  return scope;
}

/** The parts of a key that say which generation it belongs to (see {@link cacheKey}). */
export interface KeyScope {
  model: string;
  cacheGeneration: number;
  versionId: string;
  versionGeneration: number;
}

/** Reads the scope back from a key; null for anything that is not one of ours. */
export function keyScope(key: string): KeyScope | null {
  const parts = key.split(':');
  if (parts.length !== 5) return null;
  const [model, generation, versionId, versionGeneration] = parts as [string, string, string, string];
  const cacheGeneration = Number(generation);
  const vGeneration = Number(versionGeneration);
  if (!Number.isInteger(cacheGeneration) || !Number.isInteger(vGeneration)) return null;
  return { model, cacheGeneration, versionId, versionGeneration: vGeneration };
}
