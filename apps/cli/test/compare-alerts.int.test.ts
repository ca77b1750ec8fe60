import { createDb, type Database, insertFeedback, insertPredictionLog } from '@modelplane/db';
import { createTestDatabase, type TestDatabase } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, expectOneLineError } from './postgres-control-plane.ts';
import { assertBuilt, type ControlPlaneProcess, runCli, startControlPlane } from './processes.ts';

let testDb: TestDatabase;
let database: Database;
let server: ControlPlaneProcess;

const cli = (args: string[]) => runCli(['--url', server.url, '--token', ADMIN_TOKEN, ...args]);

/** `units` non-sticky predictions of `version`, the first `conversions` of them converted. */
async function seed(version: string, units: number, conversions: number): Promise<void> {
  const ids = Array.from({ length: units }, (_, i) => `${version}-${i}`);
  const at = new Date(Date.now() - 5 * 60_000);
  await insertPredictionLog(
    database.db,
    ids.map((requestId) => ({
      requestId,
      createdAt: at,
      model: 'recs',
      assignedVersion: version,
      servedVersion: version,
      revision: 1,
      routingKeyHash: null,
      sticky: false,
      pinned: false,
      inputHash: null,
      latencyMs: 1.5,
      servedFrom: 'backend',
      status: 200,
      errorCode: null,
      replicaId: 'cli-test',
      payloadJson: null,
    })),
  );
  await insertFeedback(
    database.db,
    ids.map((requestId, i) => ({
      id: `fb-${requestId}`,
      requestId,
      model: 'recs',
      kind: 'conversion' as const,
      value: i < conversions ? 1 : 0,
      receivedAt: new Date(Date.now() - 60_000),
      replicaId: 'cli-test',
    })),
  );
}

beforeAll(async () => {
  assertBuilt();
  testDb = await createTestDatabase();
  database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  server = await startControlPlane({
    DATABASE_URL: testDb.connectionString,
    MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  await cli(['models', 'create', 'recs']);
  for (const version of ['1.0.0', '2.0.0']) {
    const registered = await cli([
      'versions',
      'register',
      `recs@${version}`,
      '--backend',
      'tfserving',
      '--endpoint',
      'http://127.0.0.1:8501',
      '--remote-name',
      'recs',
    ]);
    expect(registered.code).toBe(0);
  }
  const split = await cli([
    'traffic',
    'set',
    'recs',
    '--weights',
    '1.0.0=50,2.0.0=50',
    '--baseline',
    '1.0.0',
  ]);
  expect(split.code).toBe(0);
  // GrowthBook's published sequential test case: 1396/3000 against 2422/3461.
  await seed('1.0.0', 3000, 1396);
  await seed('2.0.0', 3461, 2422);
});

afterAll(async () => {
  await server?.process.stop();
  await database?.close();
  await testDb?.drop();
});

describe('modelplane compare', () => {
  it('prints the per-version table and the lift with its significance in plain words', async () => {
    const result = await cli(['compare', 'recs', '--window', '1h']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^VERSION\s+WEIGHT\s+REQUESTS/m);
    expect(result.stdout).toMatch(/^1\.0\.0 \(baseline\)\s+50%/m);
    expect(result.stdout).toContain('46.5%');
    expect(result.stdout).toContain('2.0.0 vs 1.0.0, conversion rate: +50.4% relative');
    expect(result.stdout).toContain('significant: 2.0.0 is better');
    // The reference interval (0.40098, 0.60675), shown as percentages.
    expect(result.stdout).toContain('always-valid 95% interval +40.1% to +60.7%');
  });

  it('rejects a malformed window before comparing', async () => {
    expectOneLineError(await cli(['compare', 'recs', '--window', 'soon']), 1, /window/);
  });
});

describe('modelplane alerts', () => {
  it('sets, lists and deletes a rule', async () => {
    const set = await cli(['alerts', 'set', 'recs', '--kind', 'error_rate', '--threshold', '0.02']);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toContain('recs: error_rate alert above 0.02');
    const listed = await cli(['alerts']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('nothing is firing');
    expect(listed.stdout).toMatch(/^recs\s+error_rate\s+0\.02\s+5m\s+ok/m);
    expectOneLineError(await cli(['alerts', 'set', 'recs', '--kind', 'loud']), 2, /--kind/);
    const deleted = await cli(['alerts', 'delete', 'recs', '--kind', 'error_rate']);
    expect(deleted.stdout).toBe('deleted the error_rate alert rule of recs\n');
  });
});
