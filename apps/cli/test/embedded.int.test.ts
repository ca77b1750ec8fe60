import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model, ModelVersion, Revision } from '@modelplane/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type ControlPlaneProcess, runCli, startControlPlane } from './processes.ts';

// The embedded server keeps everything (PGlite data, admin token) under <root>/.modelplane, which is
// also where the CLI looks by default when run from <root>.
let root: string;
let dataDir: string;
let server: ControlPlaneProcess | undefined;

const start = () => startControlPlane({ MODELPLANE_DATA_DIR: dataDir });

/** The CLI as a user runs it from the project directory: no --token, no --data-dir. */
async function cli(args: string[]): Promise<string> {
  const result = await runCli(['--url', String(server?.url), ...args], { cwd: root });
  expect(result, `modelplane ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}
const json = async <T>(args: string[]): Promise<T> => JSON.parse(await cli([...args, '--json'])) as T;
const weightsOf = (revision: Revision | null) =>
  Object.fromEntries((revision?.weights ?? []).map((w) => [w.version, w.weight]));

beforeAll(async () => {
  assertBuilt();
  root = await mkdtemp(join(tmpdir(), 'modelplane-embedded-'));
  dataDir = join(root, '.modelplane');
  await mkdir(dataDir);
  server = await start();
});

afterAll(async () => {
  await server?.process.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the CLI against the embedded control plane', () => {
  it('finds the admin token the server printed once and saved', async () => {
    const printed = server?.process.output().match(/admin token \(shown once[^\n]*\n\s+(\S+)/)?.[1];
    expect(printed).toBeDefined();
    expect((await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()).toBe(printed);
  });

  it('creates, registers, canaries and rolls back', async () => {
    await cli(['models', 'create', 'recs']);
    for (const version of ['1.0.0', '2.0.0']) {
      await cli([
        'versions',
        'register',
        `recs@${version}`,
        '--backend',
        'oip',
        '--endpoint',
        'http://127.0.0.1:9000',
        '--remote-name',
        `recs-${version}`,
      ]);
    }
    await cli(['traffic', 'promote', 'recs@1.0.0']);
    expect(weightsOf(await json<Revision>(['traffic', 'canary', 'recs@2.0.0', '--percent', '10']))).toEqual({
      '1.0.0': 9000,
      '2.0.0': 1000,
    });
    const back = await json<Revision>(['traffic', 'rollback', 'recs']);
    expect(back).toMatchObject({ revision: 3, restoresRevision: 1 });
    expect(weightsOf(back)).toEqual({ '1.0.0': 10000 });
  });

  it('finds the token through --data-dir from anywhere', async () => {
    const result = await runCli(['--url', String(server?.url), '--data-dir', dataDir, 'models', 'list'], {
      cwd: tmpdir(),
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^recs\s/m);
  });

  it('keeps everything across a restart, without a new token', async () => {
    const status = await server?.process.stop('SIGTERM', 15_000);
    expect(status).toEqual({ code: 0, signal: null });
    server = await start();
    expect(server.process.output()).not.toMatch(/admin token/);

    expect(await json<Model>(['models', 'get', 'recs'])).toMatchObject({ name: 'recs', activeRevision: 3 });
    const versions = await json<ModelVersion[]>(['versions', 'list', 'recs']);
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      ['1.0.0', 'production'],
      ['2.0.0', 'staging'],
    ]);
    const history = await json<Revision[]>(['traffic', 'history', 'recs']);
    expect(history.map((r) => r.action)).toEqual(['rollback', 'canary', 'promote']);

    expect(weightsOf(await json<Revision>(['traffic', 'canary', 'recs@2.0.0', '--percent', '25']))).toEqual({
      '1.0.0': 7500,
      '2.0.0': 2500,
    });
    const back = await json<Revision>(['traffic', 'rollback', 'recs']);
    expect(back).toMatchObject({ revision: 5, restoresRevision: 1 });
    expect(weightsOf(back)).toEqual({ '1.0.0': 10000 });
    await access(join(dataDir, 'pgdata'));
  });
});
