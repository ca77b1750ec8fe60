import {
  bumpTokenGeneration,
  findToken,
  hashToken,
  insertToken,
  revokeToken,
  setTokenRate,
} from '@modelplane/db';
import {
  type ApiToken,
  BadRequestError,
  ConflictError,
  type CreateTokenInput,
  NotFoundError,
  type UpdateTokenInput,
} from '@modelplane/schemas';
import { generateToken, type Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';
import { toApiToken } from '../mappers.ts';
import { runMutation } from './mutation.ts';

/** Creates a token; its secret is returned here once and stored only as a hash. */
export function createToken(
  deps: Deps,
  principal: Principal,
  input: CreateTokenInput,
): Promise<ApiToken & { token: string }> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    const { id, token } = generateToken();
    const row = await insertToken(tx, {
      id,
      name: input.name,
      role: input.role,
      tokenHash: hashToken(token),
      createdBy: principal.actor,
      rate: input.rate ?? null,
    });
    const generation = await bumpTokenGeneration(tx);
    publishAfterCommit({ v: 1, kind: 'tokens', generation });
    const view = toApiToken(row);
    await audit({ action: 'tokens.create', target: id, after: view });
    return { ...view, token };
  });
}

export function revokeApiToken(deps: Deps, principal: Principal, input: { id: string }): Promise<ApiToken> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    const before = await findToken(tx, input.id);
    if (!before) throw new NotFoundError(`token ${input.id} not found`);
    if (before.revoked_at) throw new ConflictError(`token ${input.id} is already revoked`);
    await revokeToken(tx, input.id);
    const generation = await bumpTokenGeneration(tx);
    publishAfterCommit({ v: 1, kind: 'tokens', generation });
    const after = await findToken(tx, input.id);
    if (!after) throw new NotFoundError(`token ${input.id} not found`);
    await audit({
      action: 'tokens.revoke',
      target: input.id,
      before: toApiToken(before),
      after: toApiToken(after),
    });
    return toApiToken(after);
  });
}

/** Sets or removes a predict token's quota; replicas pick it up with the next token-set reload. */
export function updateApiToken(deps: Deps, principal: Principal, input: UpdateTokenInput): Promise<ApiToken> {
  return runMutation(deps, principal, async ({ tx, audit, publishAfterCommit }) => {
    const before = await findToken(tx, input.id);
    if (!before) throw new NotFoundError(`token ${input.id} not found`);
    if (before.revoked_at) throw new ConflictError(`token ${input.id} is revoked`);
    if (before.role !== 'predict' && input.rate !== null) {
      throw new BadRequestError(
        `rate: only predict tokens carry a rate; ${input.id} is a ${before.role} token`,
      );
    }
    await setTokenRate(tx, input.id, input.rate);
    const generation = await bumpTokenGeneration(tx);
    publishAfterCommit({ v: 1, kind: 'tokens', generation });
    const after = await findToken(tx, input.id);
    if (!after) throw new NotFoundError(`token ${input.id} not found`);
    await audit({
      action: 'tokens.update',
      target: input.id,
      before: toApiToken(before),
      after: toApiToken(after),
    });
    return toApiToken(after);
  });
}
