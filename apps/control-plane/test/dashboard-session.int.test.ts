import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedModel, startControlPlane } from './harness.ts';

// The dashboard's sign-in as a browser sees it: plain HTTP with cookies, against a real control plane.
let cp: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  cp = await startControlPlane();
  for (const role of ['viewer', 'operator', 'predict'] as const) {
    tokens[role] = (await cp.admin.tokens.create.mutate({ name: `ui-${role}`, role })).token;
  }
  await seedModel(cp.admin, 'recs', ['1.0.0', '2.0.0']);
  await cp.admin.traffic.set.mutate({
    model: 'recs',
    weights: [
      { version: '1.0.0', weight: 9000 },
      { version: '2.0.0', weight: 1000 },
    ],
  });
});
afterAll(() => cp?.close());

interface SignedIn {
  cookie: string;
  setCookie: string;
  csrfToken: string;
  role: string;
  actor: string;
}

async function signIn(token: string): Promise<SignedIn> {
  const response = await fetch(`${cp.url}/ui/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const body = (await response.json()) as { csrfToken: string; role: string; actor: string };
  return { cookie: setCookie.split(';')[0] ?? '', setCookie, ...body };
}

/** A tRPC call over HTTP as the page makes it: the cookie, and the CSRF header when given. */
async function call(session: SignedIn, path: string, input: unknown, options: { csrf?: string } = {}) {
  const isQuery = options.csrf === undefined && input === undefined;
  const url = `${cp.url}/trpc/${path}`;
  const headers: Record<string, string> = { cookie: session.cookie, 'content-type': 'application/json' };
  if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
  const response = isQuery
    ? await fetch(url, { headers })
    : await fetch(url, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = (await response.json()) as {
    result?: { data: unknown };
    error?: { message: string; data: { code: string } };
  };
  return { status: response.status, body };
}

describe('dashboard sign-in', () => {
  it.each([
    ['an unknown token', () => 'mpt_nope_nope', 401, /unknown or revoked/],
    ['a predict token', () => tokens.predict as string, 401, /predict token/],
    ['an empty token', () => '', 400, /token: paste an API token/],
  ])('refuses %s with a message', async (_name, token, status, message) => {
    const response = await fetch(`${cp.url}/ui/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token() }),
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it('refuses a sign-in that is not JSON (a cross-site form cannot sign a victim in)', async () => {
    const response = await fetch(`${cp.url}/ui/session`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ token: tokens.viewer }),
    });
    expect(response.status).toBe(415);
  });

  it('sets an HttpOnly, SameSite=Strict cookie and never echoes the token', async () => {
    const session = await signIn(tokens.operator as string);
    expect(session.setCookie).toMatch(
      /^modelplane_session=[\w-]{20,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(session.setCookie).not.toContain(tokens.operator);
    expect(session.role).toBe('operator');
    expect(session.actor).toMatch(/^ui-operator \(tok_/);
    const again = await fetch(`${cp.url}/ui/session`, { headers: { cookie: session.cookie } });
    expect(await again.json()).toMatchObject({ role: 'operator', csrfToken: session.csrfToken });
  });

  it('reads with the cookie alone: the overview shows recs at 90/10 with its roles', async () => {
    const session = await signIn(tokens.viewer as string);
    const { status, body } = await call(session, 'dashboard.overview', undefined);
    expect(status).toBe(200);
    const overview = body.result?.data as { models: { model: string; versions: unknown[] }[] };
    expect(overview.models.find((m) => m.model === 'recs')?.versions).toEqual([
      expect.objectContaining({ version: '1.0.0', weight: 9000, role: 'baseline' }),
      expect.objectContaining({ version: '2.0.0', weight: 1000, role: 'variant' }),
    ]);
  });

  it('refuses a mutation without the CSRF token (403), and audits one with it under the token name', async () => {
    const session = await signIn(tokens.operator as string);
    const input = { model: 'recs', version: '2.0.0', weight: 2000 };
    const forged = await call(session, 'traffic.canary', input, { csrf: 'wrong' });
    expect(forged.status).toBe(403);
    expect(forged.body.error?.message).toMatch(/x-csrf-token/);
    const noHeader = await fetch(`${cp.url}/trpc/traffic.canary`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(noHeader.status).toBe(403);

    const real = await call(session, 'traffic.canary', input, { csrf: session.csrfToken });
    expect(real.status).toBe(200);
    const [latest] = await cp.admin.audit.list.query({ target: 'recs', limit: 1 });
    expect(latest).toMatchObject({ action: 'traffic.canary', actor: session.actor, actorRole: 'operator' });
  });

  it('refuses a viewer’s mutation even with a valid CSRF token: 403 FORBIDDEN', async () => {
    const session = await signIn(tokens.viewer as string);
    const { status, body } = await call(
      session,
      'traffic.rollback',
      { model: 'recs' },
      { csrf: session.csrfToken },
    );
    expect(status).toBe(403);
    expect(body.error?.data.code).toBe('FORBIDDEN');
  });

  it('ends every session of a revoked token at once', async () => {
    const created = await cp.admin.tokens.create.mutate({ name: 'soon-revoked', role: 'viewer' });
    const session = await signIn(created.token);
    expect((await call(session, 'dashboard.overview', undefined)).status).toBe(200);
    await cp.admin.tokens.revoke.mutate({ id: created.id });
    const after = await call(session, 'dashboard.overview', undefined);
    expect(after.status).toBe(401);
    expect((await fetch(`${cp.url}/ui/session`, { headers: { cookie: session.cookie } })).status).toBe(401);
  });

  it('signs out: the cookie is cleared and no longer works', async () => {
    const session = await signIn(tokens.viewer as string);
    const refused = await fetch(`${cp.url}/ui/session`, {
      method: 'DELETE',
      headers: { cookie: session.cookie },
    });
    expect(refused.status).toBe(403);
    const out = await fetch(`${cp.url}/ui/session`, {
      method: 'DELETE',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^modelplane_session=; .*Max-Age=0/);
    expect((await call(session, 'dashboard.overview', undefined)).status).toBe(401);
  });
});

describe('dashboard session expiry', () => {
  let short: Harness;
  beforeAll(async () => {
    short = await startControlPlane({ DASHBOARD_SESSION_TTL_SECONDS: '1' });
  });
  afterAll(() => short?.close());

  it('expires after DASHBOARD_SESSION_TTL_SECONDS', async () => {
    const signedIn = await fetch(`${short.url}/ui/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'test-admin-token-0123456789abcdef0123456789' }),
    });
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${short.url}/trpc/models.list`, { headers: { cookie } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fetch(`${short.url}/trpc/models.list`, { headers: { cookie } })).status).toBe(401);
  });
});
