import { randomBytes } from 'node:crypto';
import {
  bumpConfigGeneration,
  type Executor,
  findModelByName,
  findVersion,
  insertModel,
  insertVersion,
  lockModelByName,
  type ModelRow,
  type ModelVersionRow,
  setServingOptions,
  setVersionStatus,
  updateModelFields,
} from '@modelplane/db';
import { jsonSchemaProblem } from '@modelplane/json-schema';
import {
  BadRequestError,
  ConflictError,
  type CreateModelInput,
  type Model,
  type ModelVersion,
  NotFoundError,
  type RegisterVersionInput,
  type UpdateModelInput,
  type UpdateVersionInput,
  type VersionRefInput,
  type VersionSignature,
  warmupProblem,
} from '@modelplane/schemas';
import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';
import { toModel, toVersion } from '../mappers.ts';
import { destinationProblem } from './destinations.ts';
import { runMutation } from './mutation.ts';
import { readArtifactSignature } from './signature.ts';

const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

export async function requireModel(db: Executor, name: string): Promise<ModelRow> {
  const model = await findModelByName(db, name);
  if (!model) throw new NotFoundError(`model ${name} not found`);
  return model;
}

export async function requireLockedModel(db: Executor, name: string): Promise<ModelRow> {
  const model = await lockModelByName(db, name);
  if (!model) throw new NotFoundError(`model ${name} not found`);
  return model;
}

export async function requireVersion(
  db: Executor,
  model: ModelRow,
  version: string,
): Promise<ModelVersionRow> {
  const row = await findVersion(db, model.id, version);
  if (!row) throw new NotFoundError(`version ${model.name}@${version} not found`);
  return row;
}

export function createModel(deps: Deps, principal: Principal, input: CreateModelInput): Promise<Model> {
  return runMutation(deps, principal, async ({ tx, audit }) => {
    if (await findModelByName(tx, input.name)) throw new ConflictError(`model ${input.name} already exists`);
    const row = await insertModel(tx, {
      id: newId('m'),
      name: input.name,
      description: input.description ?? '',
      cacheEnabled: input.cache?.enabled ?? false,
      cacheTtlSeconds: input.cache?.ttlSeconds ?? 300,
      createdBy: principal.actor,
    });
    const model = toModel(row);
    await audit({ action: 'models.create', target: input.name, after: model });
    return model;
  });
}

export function updateModel(deps: Deps, principal: Principal, input: UpdateModelInput): Promise<Model> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    const before = await requireLockedModel(tx, input.name);
    await updateModelFields(tx, before.id, {
      description: input.description,
      cacheEnabled: input.cache?.enabled,
      cacheTtlSeconds: input.cache?.ttlSeconds,
    });
    // The cache policy is served config, so replicas must see it; a description is not.
    if (input.cache) {
      const generation = await bumpConfigGeneration(tx, before.id);
      publishAfterCommit({ v: 1, kind: 'model', model: before.name, generation });
    }
    const after = toModel(await requireModel(tx, input.name));
    await audit({ action: 'models.update', target: input.name, before: toModel(before), after });
    return after;
  });
}

export async function registerVersion(
  deps: Deps,
  principal: Principal,
  input: RegisterVersionInput,
): Promise<ModelVersion> {
  const schemaProblem = invalidSchemaMessage(input);
  if (schemaProblem !== null) throw new BadRequestError(schemaProblem);
  // Read before the transaction: creating a session takes a while and needs no lock.
  const signature = await registrationSignature(deps, input);
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    // Lock the model so a concurrent archive or traffic change sees a consistent set of versions.
    const model = await requireLockedModel(tx, input.model);
    if (await findVersion(tx, model.id, input.version)) {
      throw new ConflictError(
        `version ${input.model}@${input.version} already exists; versions are immutable, register a new label`,
      );
    }
    const destination = destinationProblem(input, deps.config);
    if (destination !== null) throw new BadRequestError(destination);
    const { kind, ...backendConfig } = input.backend;
    const row = await insertVersion(tx, {
      id: newId('mv'),
      modelId: model.id,
      version: input.version,
      backendKind: kind,
      backendConfig,
      artifactUri: input.artifact?.uri ?? null,
      artifactDigest: input.artifact?.sha256 ?? null,
      inputSchema: input.inputSchema,
      outputSchema: input.outputSchema,
      servingOptions: input.servingOptions ?? {},
      metrics: input.metrics ?? {},
      description: input.description ?? '',
      createdBy: principal.actor,
      signature,
      warmup: input.warmup ?? null,
    });
    const version = toVersion(model.name, row);
    // Traffic is unchanged, but replicas must learn the version exists so it can be pinned.
    const generation = await bumpConfigGeneration(tx, model.id);
    publishAfterCommit({ v: 1, kind: 'model', model: model.name, generation });
    await audit({ action: 'versions.register', target: version.ref, after: version });
    return version;
  });
}

export function updateVersion(
  deps: Deps,
  principal: Principal,
  input: UpdateVersionInput,
): Promise<ModelVersion> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    const model = await requireLockedModel(tx, input.model);
    const before = await requireVersion(tx, model, input.version);
    await setServingOptions(tx, before.id, input.servingOptions);
    const generation = await bumpConfigGeneration(tx, model.id);
    publishAfterCommit({ v: 1, kind: 'model', model: model.name, generation });
    const after = toVersion(model.name, await requireVersion(tx, model, input.version));
    await audit({
      action: 'versions.update',
      target: after.ref,
      before: { servingOptions: before.serving_options },
      after: { servingOptions: after.servingOptions },
    });
    return after;
  });
}

export function archiveVersion(
  deps: Deps,
  principal: Principal,
  input: VersionRefInput,
): Promise<ModelVersion> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    const model = await requireLockedModel(tx, input.model);
    const before = await requireVersion(tx, model, input.version);
    const ref = `${model.name}@${input.version}`;
    if (before.status === 'archived') throw new ConflictError(`${ref} is already archived`);
    if (before.status === 'production' || before.status === 'canary') {
      throw new ConflictError(`${ref} carries traffic (${before.status}); move its traffic away first`);
    }
    await setVersionStatus(tx, before.id, 'archived');
    // Replicas drop archived versions, so a pin to it stops working everywhere.
    const generation = await bumpConfigGeneration(tx, model.id);
    publishAfterCommit({ v: 1, kind: 'model', model: model.name, generation });
    const after = toVersion(model.name, await requireVersion(tx, model, input.version));
    await audit({
      action: 'versions.archive',
      target: ref,
      before: { status: before.status },
      after: { status: 'archived' },
    });
    return after;
  });
}

/**
 * The signature of an uploaded ONNX artifact, so a warm-up can be checked now and metadata served
 * before any replica loads the version. A warm-up that does not match it (or cannot be checked
 * because the signature is unknown) is refused with a 400 naming the input; without a warm-up an
 * unreadable artifact is no reason to refuse: the replicas report what they make of it.
 */
async function registrationSignature(
  deps: Deps,
  input: RegisterVersionInput,
): Promise<VersionSignature | null> {
  if (input.backend.kind !== 'onnx' || !input.artifact) return null;
  const read = await readArtifactSignature(deps.db, input.artifact.uri);
  if (!read.ok) {
    if (input.warmup) {
      throw new BadRequestError(`warmup: cannot be checked against the model's signature: ${read.reason}`);
    }
    if (input.artifact.uri.startsWith('artifact://')) {
      deps.logger.warn(
        { uri: input.artifact.uri, reason: read.reason },
        'could not read the signature of an artifact',
      );
    }
    return null;
  }
  const problem = input.warmup ? warmupProblem(input.warmup, read.signature) : null;
  if (problem !== null) throw new BadRequestError(problem);
  return read.signature;
}

/**
 * Compiles the version's schemas as a replica will, so a schema no replica could compile is refused
 * here with a 400 naming it, instead of making the version unservable after it was accepted.
 */
function invalidSchemaMessage(input: RegisterVersionInput): string | null {
  for (const field of ['inputSchema', 'outputSchema'] as const) {
    const schema = input[field];
    if (schema === undefined) continue;
    const problem = jsonSchemaProblem(schema);
    if (problem !== null) return `${field}: not a valid JSON Schema: ${problem}`;
  }
  return null;
}
