import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArtifactSchema,
  BackendSchema,
  CachePolicySchema,
  ServingOptionsSchema,
  VersionSignatureSchema,
  WarmupRequestSchema,
} from '@modelplane/schemas';
import { z } from 'zod';
import type { ModelTable, RoutingSnapshot, TokenQuota, VersionConfig } from './types.ts';
import { checkRevision } from './validate.ts';

/** The file a replica keeps its last good snapshot in, under its data directory. */
export const SNAPSHOT_FILE = 'routing-snapshot.json';

const VersionSchema = z.object({
  id: z.string(),
  model: z.string(),
  version: z.string(),
  ref: z.string(),
  backend: BackendSchema,
  artifact: ArtifactSchema.nullable(),
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  servingOptions: ServingOptionsSchema,
  cacheGeneration: z.number().optional(),
  // Absent in snapshots written before registered warm-ups and signatures existed.
  signature: VersionSignatureSchema.nullable().optional(),
  warmup: WarmupRequestSchema.nullable().optional(),
});

const FileSchema = z.object({
  v: z.literal(1),
  savedAt: z.string(),
  tokenGeneration: z.number(),
  tokenHashes: z.array(z.string()),
  // Absent in snapshots written before token quotas existed.
  tokenQuotas: z
    .array(z.object({ hash: z.string(), name: z.string(), ratePerSecond: z.number(), burst: z.number() }))
    .optional(),
  models: z.array(
    z.object({
      name: z.string(),
      generation: z.number(),
      cacheGeneration: z.number(),
      cache: CachePolicySchema,
      revision: z
        .object({
          number: z.number(),
          salt: z.string(),
          weights: z.array(z.object({ versionId: z.string(), weight: z.number() })),
          baselineVersionId: z.string(),
          createdAt: z.string(),
          bucketMap: z.string(),
        })
        .nullable(),
      versions: z.array(VersionSchema),
    }),
  ),
});

/** A snapshot read back from disk: tables that passed validation again, and the ones that did not. */
export interface DiskSnapshot {
  savedAt: string;
  tables: ModelTable[];
  tokenHashes: ReadonlySet<string>;
  tokenQuotas: ReadonlyMap<string, TokenQuota>;
  tokenGeneration: number;
  invalid: Array<{ model: string; reason: string }>;
}

function serialize(snapshot: RoutingSnapshot): string {
  // A generation-0 table only stands in for a model whose first table failed to load: nothing to serve.
  const models = [...snapshot.models.values()]
    .filter((t) => t.generation > 0)
    .map((t) => ({
      name: t.name,
      generation: t.generation,
      cacheGeneration: t.cacheGeneration,
      cache: t.cache,
      revision: t.revision && {
        number: t.revision.number,
        salt: t.revision.salt,
        weights: t.revision.weights,
        baselineVersionId: t.revision.baselineVersionId,
        createdAt: t.revision.createdAt,
        bucketMap: Buffer.from(t.revision.map.buckets).toString('base64'),
      },
      versions: [...t.versions.values()],
    }));
  const file = {
    v: 1,
    savedAt: new Date().toISOString(),
    tokenGeneration: snapshot.tokenGeneration,
    tokenHashes: [...snapshot.tokenHashes],
    tokenQuotas: [...snapshot.tokenQuotas].map(([hash, quota]) => ({ hash, ...quota })),
    models,
  };
  return JSON.stringify(file);
}

/**
 * Writes the snapshot atomically: a temp file in the same directory, fsynced, then renamed over
 * the old one, so a crash leaves either the old or the new snapshot and never half of one.
 */
export async function writeSnapshotFile(dataDir: string, snapshot: RoutingSnapshot): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const target = join(dataDir, SNAPSHOT_FILE);
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // Token hashes are credentials' digests: keep the file private to this user.
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(serialize(snapshot), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw error;
  }
}

/**
 * Reads the last good snapshot; null when there is none. Every revision is validated again, as if
 * it came from Postgres. Throws if the file exists but is not a snapshot.
 */
export async function readSnapshotFile(dataDir: string): Promise<DiskSnapshot | null> {
  let text: string;
  try {
    text = await readFile(join(dataDir, SNAPSHOT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const file = FileSchema.parse(JSON.parse(text));
  const tables: ModelTable[] = [];
  const invalid: DiskSnapshot['invalid'] = [];
  for (const m of file.models) {
    const versions = new Map<string, VersionConfig>(m.versions.map((v) => [v.id, Object.freeze(v)]));
    let revision: ModelTable['revision'] = null;
    if (m.revision !== null) {
      const bucketMap = new Uint8Array(Buffer.from(m.revision.bucketMap, 'base64'));
      const checked = checkRevision({ ...m.revision, bucketMap }, versions);
      if (!checked.ok) {
        invalid.push({ model: m.name, reason: checked.reason });
        continue;
      }
      revision = checked.revision;
    }
    tables.push(
      Object.freeze({
        name: m.name,
        generation: m.generation,
        cacheGeneration: m.cacheGeneration,
        cache: m.cache,
        revision,
        versions,
        versionsByLabel: new Map([...versions.values()].map((v) => [v.version, v])),
      }),
    );
  }
  return {
    savedAt: file.savedAt,
    tables,
    tokenHashes: new Set(file.tokenHashes),
    tokenQuotas: new Map((file.tokenQuotas ?? []).map(({ hash, ...quota }) => [hash, quota])),
    tokenGeneration: file.tokenGeneration,
    invalid,
  };
}
