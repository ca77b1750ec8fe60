import type { ApiToken, AuditEntry } from '@modelplane/schemas';
import { getFreePort } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectOneLineError,
  type PostgresControlPlane,
  startPostgresControlPlane,
} from './postgres-control-plane.ts';
import { runCli } from './processes.ts';

let cp: PostgresControlPlane;

beforeAll(async () => {
  cp = await startPostgresControlPlane();
  await cp.json(['models', 'create', 'recs']);
  await cp.json([
    'versions',
    'register',
    'recs@1.0.0',
    '--backend',
    'tfserving',
    '--endpoint',
    'http://127.0.0.1:8501',
    '--remote-name',
    'recs',
  ]);
  await cp.json(['traffic', 'promote', 'recs@1.0.0']);
});

afterAll(async () => {
  await cp?.close();
});

describe('tokens', () => {
  it('creates a token whose secret is shown once, lists it, and revokes it', async () => {
    const created = await cp.cli(['tokens', 'create', 'ci-deploy', '--role', 'operator']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/secret \(shown only this once/);
    const secret = created.stdout.match(/^\s+(mpt_\S+)$/m)?.[1];
    const id = created.stdout.match(/created token (tok_\w+)/)?.[1];
    expect(secret).toBeDefined();
    expect(id).toBeDefined();

    const withNewToken = await cp.cli(['models', 'list', '--json'], { token: secret });
    expect(withNewToken.code).toBe(0);
    expect(JSON.parse(withNewToken.stdout)).toHaveLength(1);

    const listed = await cp.json<ApiToken[]>(['tokens', 'list']);
    expect(listed).toContainEqual(
      expect.objectContaining({ id, name: 'ci-deploy', role: 'operator', revokedAt: null }),
    );
    // The list never carries secrets.
    expect(JSON.stringify(listed)).not.toContain(secret);

    const revoked = await cp.cli(['tokens', 'revoke', String(id)]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked token ${id} "ci-deploy"\n` });
    expectOneLineError(await cp.cli(['models', 'list'], { token: secret }), 1, /UNAUTHORIZED/);
  });

  it('returns the secret in --json output too', async () => {
    const token = await cp.json<ApiToken & { token: string }>([
      'tokens',
      'create',
      'reader',
      '--role',
      'viewer',
    ]);
    expect(token).toMatchObject({ name: 'reader', role: 'viewer' });
    expect(token.token).toMatch(/^mpt_/);
    // A viewer may read but not change anything.
    expect((await cp.cli(['traffic', 'show', 'recs'], { token: token.token })).code).toBe(0);
    expectOneLineError(
      await cp.cli(['models', 'create', 'other'], { token: token.token }),
      1,
      /\(FORBIDDEN\)$/,
    );
  });
});

describe('audit', () => {
  it('lists changes newest first, filtered by target and limited', async () => {
    const entries = await cp.json<AuditEntry[]>(['audit', '--target', 'recs']);
    expect(entries.map((e) => e.action)).toEqual(['traffic.promote', 'models.create']);
    expect(entries[0]).toMatchObject({ actor: 'bootstrap-admin', actorRole: 'admin', target: 'recs' });
    expect(await cp.json<AuditEntry[]>(['audit', 'list', '--limit', '2'])).toHaveLength(2);
    const table = await cp.cli(['audit', '--target', 'recs@1.0.0']);
    // Each change names the request that made it and where it came from (this CLI, on loopback).
    expect(table.stdout).toMatch(
      /^ID\s+AT\s+ACTOR\s+ROLE\s+ACTION\s+TARGET\s+FROM\s+REQUEST\n\d+\s+\S+ \S+\s+bootstrap-admin\s+admin\s+versions\.register\s+recs@1\.0\.0\s+(::ffff:)?127\.0\.0\.1\s+[0-9a-f-]{36}\n$/,
    );
  });
});

describe('failures print one line and exit non-zero', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['unknown command', ['bogus'], 2, /unknown command "bogus"/],
    ['unknown subcommand', ['models', 'frob'], 2, /unknown command "models frob"/],
    ['missing subcommand', ['traffic'], 2, /missing subcommand/],
    ['unknown flag', ['models', 'list', '--frobnicate'], 2, /Unknown option '--frobnicate'/],
    ['missing argument', ['models', 'get'], 2, /missing <name>/],
    ['extra argument', ['models', 'get', 'recs', 'extra'], 2, /unexpected argument "extra"/],
    ['bad ref', ['versions', 'get', 'recs'], 2, /"recs" is not a <model>@<version> reference/],
    ['missing --percent', ['traffic', 'canary', 'recs@1.0.0'], 2, /--percent P is required/],
    ['bad percent', ['traffic', 'canary', 'recs@1.0.0', '--percent', '10.555'], 2, /at most 2 decimals/],
    ['weights not 100', ['traffic', 'set', 'recs', '--weights', '1.0.0=90'], 2, /add up to 90%, not 100%/],
    ['no model source', ['versions', 'register', 'recs@2.0.0'], 2, /exactly one of --file/],
    ['missing file', ['versions', 'register', 'recs@2.0.0', '--file', '/nonexistent/m.onnx'], 2, /ENOENT/],
    ['bad JSON', ['versions', 'update', 'recs@1.0.0', '--serving-options', '{'], 2, /invalid JSON/],
    ['unknown model', ['models', 'get', 'nope'], 1, /^error: model nope not found \(NOT_FOUND\)$/],
    ['unknown model traffic', ['traffic', 'show', 'nope'], 1, /not found \(NOT_FOUND\)$/],
    ['unknown version', ['traffic', 'canary', 'recs@9.9.9', '--percent', '5'], 1, /recs@9\.9\.9 not found/],
    ['invalid name', ['models', 'create', 'Bad Name'], 1, /model name must match .*\(BAD_REQUEST\)$/],
    ['duplicate', ['models', 'create', 'recs'], 1, /already exists \(CONFLICT\)$/],
    ['bad role', ['tokens', 'create', 'x', '--role', 'root'], 1, /role: .*\(BAD_REQUEST\)$/],
  ];
  it.each(cases)('%s', async (_name, args, code, pattern) => {
    expectOneLineError(await cp.cli(args), code, pattern);
  });

  it('names the URL when the control plane cannot be reached', async () => {
    const url = `http://127.0.0.1:${await getFreePort()}`;
    const result = await runCli(['--url', url, '--token', 'x', 'models', 'list']);
    expectOneLineError(
      result,
      1,
      new RegExp(`^error: cannot reach the control plane at ${url}: .*ECONNREFUSED`),
    );
  });

  it('asks for a token when none is given for a remote URL', async () => {
    const result = await runCli(['--url', 'https://modelplane.example', 'models', 'list']);
    expectOneLineError(result, 2, /no token: pass --token or set MODELPLANE_TOKEN/);
  });
});

describe('help', () => {
  it.each([
    [[]],
    [['--help']],
    [['traffic', '--help']],
    [['traffic', 'canary', '-h']],
    [['audit', '--help']],
  ])('modelplane %j prints usage', async (args) => {
    const result = await runCli(args);
    expect(result.code).toBe(args.length === 0 ? 2 : 0);
    expect(result.stdout).toMatch(/^usage:/);
  });
});
