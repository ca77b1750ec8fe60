import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/router.ts';
import { type Client, type Harness, seedModel, startControlPlane } from './harness.ts';

type Tier = 'viewer' | 'operator' | 'admin';
type Call = (client: Client) => Promise<unknown>;

/** Every procedure with the least role that may call it. A procedure missing here fails the test below. */
const MATRIX: Record<string, { tier: Tier; call: Call }> = {
  'models.create': {
    tier: 'operator',
    call: (c) => c.models.create.mutate({ name: `m${Math.random().toString(36).slice(2, 8)}` }),
  },
  'models.list': { tier: 'viewer', call: (c) => c.models.list.query() },
  'models.get': { tier: 'viewer', call: (c) => c.models.get.query({ name: 'authz' }) },
  'models.update': {
    tier: 'operator',
    call: (c) => c.models.update.mutate({ name: 'authz', description: 'x' }),
  },
  'versions.register': {
    tier: 'operator',
    call: (c) =>
      c.versions.register.mutate({
        model: 'authz',
        version: `v${Math.random().toString(36).slice(2, 8)}`,
        backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: 'x' },
      }),
  },
  'versions.list': { tier: 'viewer', call: (c) => c.versions.list.query({ model: 'authz' }) },
  'versions.get': { tier: 'viewer', call: (c) => c.versions.get.query({ model: 'authz', version: '1' }) },
  'versions.archive': {
    tier: 'operator',
    call: (c) => c.versions.archive.mutate({ model: 'authz', version: '3' }),
  },
  'versions.update': {
    tier: 'operator',
    call: (c) =>
      c.versions.update.mutate({ model: 'authz', version: '1', servingOptions: { deadlineMs: 500 } }),
  },
  'traffic.get': { tier: 'viewer', call: (c) => c.traffic.get.query({ model: 'authz' }) },
  'traffic.history': { tier: 'viewer', call: (c) => c.traffic.history.query({ model: 'authz' }) },
  'traffic.status': { tier: 'viewer', call: (c) => c.traffic.status.query({ model: 'authz' }) },
  'traffic.set': {
    tier: 'operator',
    call: (c) => c.traffic.set.mutate({ model: 'authz', weights: [{ version: '1', weight: 10000 }] }),
  },
  'traffic.canary': {
    tier: 'operator',
    call: (c) => c.traffic.canary.mutate({ model: 'authz', version: '2', weight: 100 }),
  },
  'traffic.promote': {
    tier: 'operator',
    call: (c) => c.traffic.promote.mutate({ model: 'authz', version: '1' }),
  },
  'traffic.rollback': { tier: 'operator', call: (c) => c.traffic.rollback.mutate({ model: 'authz' }) },
  'traffic.reshuffle': { tier: 'operator', call: (c) => c.traffic.reshuffle.mutate({ model: 'authz' }) },
  'audit.list': { tier: 'viewer', call: (c) => c.audit.list.query({}) },
  'tokens.create': { tier: 'admin', call: (c) => c.tokens.create.mutate({ name: 'matrix', role: 'viewer' }) },
  'tokens.list': { tier: 'admin', call: (c) => c.tokens.list.query() },
  'tokens.revoke': { tier: 'admin', call: (c) => c.tokens.revoke.mutate({ id: 'tok_doesnotexist' }) },
  'tokens.update': {
    tier: 'admin',
    call: (c) => c.tokens.update.mutate({ id: 'tok_doesnotexist', rate: { perSecond: 5, burst: 10 } }),
  },
  'cache.purge': { tier: 'operator', call: (c) => c.cache.purge.mutate({ model: 'authz', version: '1' }) },
  'metrics.compare': {
    tier: 'viewer',
    call: (c) => c.metrics.compare.query({ model: 'authz', window: '1h' }),
  },
  'metrics.payloadLogging.get': {
    tier: 'viewer',
    call: (c) => c.metrics.payloadLogging.get.query({ model: 'authz' }),
  },
  'metrics.payloadLogging.set': {
    tier: 'operator',
    call: (c) => c.metrics.payloadLogging.set.mutate({ model: 'authz', enabled: true, sampleRate: 0.01 }),
  },
  'alerts.list': { tier: 'viewer', call: (c) => c.alerts.list.query({}) },
  'alerts.rules.set': {
    tier: 'operator',
    call: (c) => c.alerts.rules.set.mutate({ model: 'authz', kind: 'error_rate', threshold: 0.1 }),
  },
  'alerts.rules.delete': {
    tier: 'operator',
    call: (c) => c.alerts.rules.delete.mutate({ model: 'authz', kind: 'srm' }),
  },
  // Rollouts: authorization is checked before the (missing) model or rollout is looked up.
  'rollouts.start': {
    tier: 'operator',
    call: (c) => c.rollouts.start.mutate({ model: 'no-such-model', candidate: '2' }),
  },
  'rollouts.get': { tier: 'viewer', call: (c) => c.rollouts.get.query({ id: 'ro_missing' }) },
  'rollouts.list': { tier: 'viewer', call: (c) => c.rollouts.list.query({}) },
  'rollouts.approve': { tier: 'operator', call: (c) => c.rollouts.approve.mutate({ id: 'ro_missing' }) },
  'rollouts.pause': { tier: 'operator', call: (c) => c.rollouts.pause.mutate({ id: 'ro_missing' }) },
  'rollouts.resume': { tier: 'operator', call: (c) => c.rollouts.resume.mutate({ id: 'ro_missing' }) },
  'rollouts.abort': { tier: 'operator', call: (c) => c.rollouts.abort.mutate({ id: 'ro_missing' }) },
  'rollouts.promoteNow': {
    tier: 'operator',
    call: (c) => c.rollouts.promoteNow.mutate({ model: 'no-such-model', reason: 'matrix' }),
  },
  'dashboard.overview': { tier: 'viewer', call: (c) => c.dashboard.overview.query() },
  'dashboard.fleet': { tier: 'viewer', call: (c) => c.dashboard.fleet.query() },
};

const CALLERS = ['anonymous', 'revoked', 'predict', 'viewer', 'operator', 'admin'] as const;
type Caller = (typeof CALLERS)[number];
const RANK: Record<Caller, number> = {
  anonymous: -1,
  revoked: -1,
  predict: 0,
  viewer: 1,
  operator: 2,
  admin: 3,
};
const TIER_RANK: Record<Tier, number> = { viewer: 1, operator: 2, admin: 3 };

let cp: Harness;
const clients = {} as Record<Caller, Client>;

beforeAll(async () => {
  cp = await startControlPlane();
  await seedModel(cp.admin, 'authz', ['1', '2', '3']);
  await cp.admin.traffic.promote.mutate({ model: 'authz', version: '1' });
  for (const role of ['predict', 'viewer', 'operator', 'admin'] as const) {
    const created = await cp.admin.tokens.create.mutate({ name: role, role });
    clients[role] = cp.client(created.token);
  }
  const doomed = await cp.admin.tokens.create.mutate({ name: 'doomed', role: 'admin' });
  await cp.admin.tokens.revoke.mutate({ id: doomed.id });
  clients.revoked = cp.client(doomed.token);
  clients.anonymous = cp.client(null);
});
afterAll(async () => {
  await cp?.close();
});

describe('authorization matrix', () => {
  it('lists every procedure of the router', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(Object.keys(MATRIX).sort()).toEqual(procedures);
  });

  for (const [procedure, { tier, call }] of Object.entries(MATRIX)) {
    for (const caller of CALLERS) {
      const allowed = RANK[caller] >= TIER_RANK[tier];
      it(`${procedure} as ${caller} is ${allowed ? 'allowed' : 'denied'}`, async () => {
        const outcome = await call(clients[caller]).then(
          () => 'ok',
          (error: { data?: { code?: string } }) => error.data?.code ?? 'UNKNOWN',
        );
        if (allowed) {
          expect(['UNAUTHORIZED', 'FORBIDDEN', 'INTERNAL_SERVER_ERROR', 'UNKNOWN']).not.toContain(outcome);
        } else {
          expect(outcome).toBe(RANK[caller] < 0 ? 'UNAUTHORIZED' : 'FORBIDDEN');
        }
      });
    }
  }
});

describe('tokens', () => {
  it('shows a secret once, stores only its hash, and lists without secrets', async () => {
    const created = await cp.admin.tokens.create.mutate({ name: 'ci', role: 'viewer' });
    expect(created.token).toMatch(/^mpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const listed = await cp.admin.tokens.list.query();
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const stored = await cp.deps.db.selectFrom('api_tokens').selectAll().execute();
    // The secret is everything after `mpt_<id>_` (base64url may itself contain "_").
    const secret = created.token.slice(created.token.indexOf('_', 4) + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });
});
