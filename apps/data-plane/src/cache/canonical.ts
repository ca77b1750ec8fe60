import { createHash } from 'node:crypto';
import type { Tensor } from '../backends/types.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';

/** Bumped when the key or entry format changes, so old entries are never misread. */
const KEYSPACE = 'modelplane-prediction-cache/1';

/**
 * A number as the model will see it: FP32 inputs are rounded to float32 first (0.1 and
 * 0.10000000149 are the same input to the model), and -0 is 0. JSON.stringify then writes the
 * shortest form, so `1`, `1.0` and `1e0` all become `1`.
 */
function normalise(value: number | boolean | string, datatype: Tensor['datatype']): string {
  if (typeof value !== 'number') return JSON.stringify(value);
  const n = datatype === 'FP32' ? Math.fround(value) : value;
  return JSON.stringify(n === 0 ? 0 : n);
}

/**
 * The canonical JSON of validated input tensors: sorted by name, each object with its keys in
 * sorted order (data, datatype, name, shape) and its numbers normalised. Row-format, columnar
 * and OIP requests for the same tensors therefore give the same text.
 */
export function canonicalInput(tensors: readonly Tensor[]): string {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts = sorted.map((t) => {
    const data = (t.data as readonly (number | boolean | string)[]).map((v) => normalise(v, t.datatype));
    return `{"data":[${data.join(',')}],"datatype":${JSON.stringify(t.datatype)},"name":${JSON.stringify(t.name)},"shape":${JSON.stringify(t.shape)}}`;
  });
  return `[${parts.join(',')}]`;
}

/** sha256 (hex) of the canonical input; the prediction log records it too. */
export function inputHash(tensors: readonly Tensor[]): string {
  return createHash('sha256').update(canonicalInput(tensors)).digest('hex');
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
export function cacheKey(table: ModelTable, version: VersionConfig, hash: string): string {
  const versionGeneration = version.cacheGeneration ?? 1;
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        KEYSPACE,
        table.name,
        table.cacheGeneration,
        version.id,
        versionGeneration,
        versionIdentity(version),
        hash,
      ]),
    )
    .digest('hex');
  return `${table.name}:${table.cacheGeneration}:${version.id}:${versionGeneration}:${digest}`;
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
