import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateRecsData, rowToInstance } from '@modelplane/demo-models';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, demo, registerDemo, type Stack, startStack } from '../stack.ts';
import { type ComposedReplica, startComposedReplica } from '../telemetry-replica.ts';
import {
  BAD_LINES,
  BAD_TS,
  CONSUMER_PACKAGE_JSON,
  OK_TS,
  REQUIRE_CJS,
  tsconfig,
} from './client-consumer-files.ts';

// A service outside the monorepo: `pnpm pack:client`, `npm install <tarball>` into a temp dir,
// tsc from the workspace (no download), then the compiled calls against a live stack.
const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const RUNTIME_DEPENDENCIES = ['@trpc/client', '@trpc/server', 'undici', 'zod'];

let scratch: string;
let tarball: string;
let stack: Stack;
let replica: ComposedReplica;
let predictToken: string;

/** Runs a command in the consumer project; resolves with its exit code and output instead of throwing. */
async function inConsumer(command: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: scratch,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mp-client-consumer-'));
  const packed = await run(
    process.execPath,
    [join(root, 'packages/client/scripts/pack.mjs'), '--out', scratch],
    {
      cwd: root,
    },
  );
  tarball = packed.stdout.trim().split('\n').at(-1) ?? '';
  await writeFile(join(scratch, 'package.json'), CONSUMER_PACKAGE_JSON);
  const install = await inConsumer('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    tarball,
    '@types/node@20',
  ]);
  expect(install.stderr + install.stdout).not.toMatch(/ERR!/);
  expect(install.code).toBe(0);

  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'recs' });
  await registerDemo(stack.admin, demo('recs', '1.0.0'));
  await stack.admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  predictToken = (await stack.admin.tokens.create.mutate({ name: 'consumer', role: 'predict' })).token;
  // Composed as main.ts does, so feedback has a database to land in.
  replica = await startComposedReplica(stack.databaseUrl, stack.prefix, 'consumer', {
    feedback: { flushIntervalMs: 100 },
  });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
}, 900_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('@modelplane/client installed from its tarball outside the workspace', () => {
  it('ships built ESM, self-contained types and only real runtime dependencies', async () => {
    const installed = join(scratch, 'node_modules/@modelplane/client');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(RUNTIME_DEPENDENCIES);
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).toMatchObject({ type: 'module', types: './dist/index.d.ts' });
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect((await readdir(join(installed, 'dist'))).sort()).toEqual(['index.d.ts', 'index.js']);
    for (const file of ['dist/index.js', 'dist/index.d.ts']) {
      const text = await readFile(join(installed, file), 'utf8');
      const imported = [...text.matchAll(/(?:from|import\(|require\()\s*['"]([^'"]+)['"]/g)].map(
        (m) => m[1] ?? '',
      );
      expect(imported.length, file).toBeGreaterThan(0);
      for (const specifier of imported) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier;
        expect(
          specifier.startsWith('node:') || RUNTIME_DEPENDENCIES.includes(name),
          `${file}: ${specifier}`,
        ).toBe(true);
      }
    }
  });

  it('rejects a wrong procedure, a wrong input and a wrong use of an output at compile time', async () => {
    await writeFile(join(scratch, 'bad.ts'), BAD_TS);
    await writeFile(join(scratch, 'tsconfig.bad.json'), tsconfig('bad.ts'));
    const result = await inConsumer(process.execPath, [tsc, '-p', 'tsconfig.bad.json', '--noEmit']);
    expect(result.code).not.toBe(0);
    const lines = new Set(
      [...result.stdout.matchAll(/^bad\.ts\((\d+),\d+\): error/gm)].map((m) => Number(m[1])),
    );
    expect([...lines].sort(), result.stdout).toEqual(BAD_LINES);
  }, 300_000);

  it('type-checks and runs models.list, traffic.get, a prediction and feedback against a live stack', async () => {
    await writeFile(join(scratch, 'ok.ts'), OK_TS);
    await writeFile(join(scratch, 'tsconfig.json'), tsconfig('ok.ts'));
    const compiled = await inConsumer(process.execPath, [tsc, '-p', 'tsconfig.json']);
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);

    const recs = demo('recs', '1.0.0');
    const rows = generateRecsData({ seed: 7, rows: 2 }).rows;
    const instances = rows.map((row) => rowToInstance(recs.featureOrder ?? [], row));
    const ran = await inConsumer(process.execPath, ['out/ok.js'], {
      CP_URL: stack.url,
      DP_URL: replica.url,
      ADMIN_TOKEN,
      PREDICT_TOKEN: predictToken,
      INSTANCES: JSON.stringify(instances),
    });
    expect(ran.stderr).toBe('');
    const result = JSON.parse(ran.stdout);
    expect(result).toMatchObject({
      models: ['recs'],
      weights: [{ version: '1.0.0', weight: 10000 }],
      modelVersion: 'recs@1.0.0',
      predictions: 2,
      feedback: { accepted: true, requestId: expect.any(String) },
      dpError: { status: 404, code: 'NOT_FOUND', requestId: expect.any(String) },
      cpError: { kind: 'api', code: 'NOT_FOUND' },
    });
    const stored = await waitFor(async () => {
      const rows = await stack.database.db
        .selectFrom('prediction_feedback')
        .selectAll()
        .where('request_id', '=', result.feedback.requestId)
        .execute();
      return rows.length === 1 && rows[0];
    });
    expect(stored).toMatchObject({ kind: 'conversion', value: 1, model: 'recs' });
  }, 300_000);

  it('can be required from CommonJS on this Node (require of ESM)', async () => {
    await writeFile(join(scratch, 'require.cjs'), REQUIRE_CJS);
    const result = await inConsumer(process.execPath, ['require.cjs']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(
      expect.arrayContaining(['createControlPlaneClient', 'createDataPlaneClient', 'DataPlaneError']),
    );
  });
});
