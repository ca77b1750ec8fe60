import {
  type DB,
  type ModelVersionRow,
  type RoutingRows,
  readConfigGenerations,
  readPredictTokenState,
  readRoutingRows,
} from '@modelplane/db';
import type { Kysely } from 'kysely';
import { buildModelTable, type LoadedModel } from './build-table.ts';
import type { TokenQuota } from './types.ts';

/** The live `predict` token hashes, their quotas and the token generation they were read at. */
export interface TokenHashes {
  hashes: ReadonlySet<string>;
  quotas: ReadonlyMap<string, TokenQuota>;
  generation: number;
}

/** Every model's config generation and the token generation, from one query. */
export interface Generations {
  models: ReadonlyMap<string, number>;
  tokenGeneration: number;
}

/** Builds each model's table (or the rejection of its active revision) from its rows. */
export function buildAll(rows: RoutingRows): LoadedModel[] {
  const versionsByModel = new Map<string, ModelVersionRow[]>();
  for (const v of rows.versions) {
    const list = versionsByModel.get(v.model_id) ?? [];
    list.push(v);
    versionsByModel.set(v.model_id, list);
  }
  const revisionByModel = new Map(rows.revisions.map((r) => [r.model_id, r]));
  return rows.models.map((m) =>
    buildModelTable(m, versionsByModel.get(m.id) ?? [], revisionByModel.get(m.id) ?? null),
  );
}

/** Loads every model's table (or the rejection of its active revision), in one consistent read. */
export async function loadAllTables(db: Kysely<DB>): Promise<LoadedModel[]> {
  return buildAll(await readRoutingRows(db));
}

/** Loads one model's table; null when the model no longer exists. */
export async function loadModelTable(db: Kysely<DB>, name: string): Promise<LoadedModel | null> {
  return buildAll(await readRoutingRows(db, name))[0] ?? null;
}

/** Loads the hashes of live `predict` tokens with the token generation. */
export async function loadTokenHashes(db: Kysely<DB>): Promise<TokenHashes> {
  const state = await readPredictTokenState(db);
  return {
    hashes: new Set(state.hashes),
    quotas: new Map(state.quotas.map(({ hash, ...quota }) => [hash, quota])),
    generation: state.generation,
  };
}

/** One cheap query for the reconcile loop: what moved since the replica last looked. */
export async function loadGenerations(db: Kysely<DB>): Promise<Generations> {
  const state = await readConfigGenerations(db);
  return { models: new Map(Object.entries(state.models)), tokenGeneration: state.tokenGeneration };
}
