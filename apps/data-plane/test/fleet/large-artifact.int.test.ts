import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeModelValue, writeLargeModel } from '../large-model.ts';
import { ADMIN_TOKEN, type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { runCli } from './processes.ts';

// Artifacts of real size (issue 11 part 6): a 200 MB ONNX model generated here, uploaded through the
// CLI and downloaded by a replica, both streamed. The bound, documented in docs/backends.md: moving
// the artifact grows neither process's resident memory by more than 160 MB (its peak, VmHWM, is
// reset before and read after). Loading the session afterwards holds the weights, as it must.
const ELEMENTS = 50_000_000;
const MB = 1024 * 1024;
// Registration reads the signature from all 200 chunks, streaming; their garbage is collected lazily.
const GROWTH_BOUND = 160 * MB;
const WRONG_SHA = 'f'.repeat(64);

let fleet: Fleet;
let replica: ReplicaProcess;
let model: { path: string; sizeBytes: number; sha256: string };
let server: Server;
let serverUrl: string;
let bytesServed = 0;

/** Resident set size and its peak since the last reset, from /proc (bytes). */
async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Resets the peak (VmHWM) to the current RSS: "5" to clear_refs (Linux 4.0+, same user). */
async function resetPeak(pid: number): Promise<number> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
  return (await memory(pid)).rss;
}

beforeAll(async () => {
  fleet = await startFleet();
  const path = join(fleet.workDir, 'large.onnx');
  model = { path, ...(await writeLargeModel(path, ELEMENTS)) };
  expect(model.sizeBytes).toBeGreaterThan(200_000_000);
  // Serves the file for the mismatch case, streamed, counting what went out.
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-length': String(model.sizeBytes) });
    const file = createReadStream(model.path);
    file.on('data', (chunk) => {
      bytesServed += chunk.length;
    });
    file.pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/large.onnx`;
  await fleet.json(['models', 'create', 'large']);
  replica = await fleet.startReplica({ id: 'large' });
  await waitForStatus(`${replica.url}/readyz`, 200);
}, 180_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await fleet?.close();
});

function cli(args: string[]) {
  return runCli(
    ['--url', fleet.controlPlane.url, '--token', ADMIN_TOKEN, ...args, '--json'],
    undefined,
    300_000,
  );
}

type ReplicaStatus = { replicaId: string; versionErrors: Record<string, string> };

describe('a 200 MB artifact', () => {
  it('uploads through `versions register --file` without the control plane buffering it', async () => {
    const pid = fleet.controlPlane.process.pid;
    const before = await resetPeak(pid);
    const result = await cli(['versions', 'register', 'large@1.0.0', '--file', model.path]);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    const { peak } = await memory(pid);
    console.log(
      `control plane: rss ${(before / MB).toFixed(0)} MB, peak during upload +${((peak - before) / MB).toFixed(0)} MB`,
    );
    expect(peak - before).toBeLessThan(GROWTH_BOUND);

    const version = JSON.parse(result.stdout) as { artifact: { uri: string; sha256: string } };
    expect(version.artifact).toEqual({ uri: `artifact://${model.sha256}`, sha256: model.sha256 });
    const row = await fleet.database.db
      .selectFrom('artifacts')
      .select(['size_bytes', 'chunk_count'])
      .where('digest', '=', model.sha256)
      .executeTakeFirstOrThrow();
    expect(Number(row.size_bytes)).toBe(model.sizeBytes);
  }, 300_000);

  it('streams to a replica; a digest mismatch leaves no file, no servable version and no memory spike', async () => {
    await fleet.json([
      'versions',
      'register',
      'large@0.9.0',
      '--artifact-uri',
      serverUrl,
      '--sha256',
      WRONG_SHA,
    ]);
    const before = await resetPeak(replica.process.pid);
    await fleet.admin.traffic.promote.mutate({ model: 'large', version: '0.9.0' });
    const status = await waitFor(
      async () => {
        const traffic = await fleet.admin.traffic.get.query({ model: 'large' });
        const own = (traffic.replicas as ReplicaStatus[]).find((r) => r.replicaId === replica.id);
        return own?.versionErrors['large@0.9.0'] !== undefined && own;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: 'the mismatch reported in traffic.get' },
    );
    const { peak } = await memory(replica.process.pid);
    console.log(
      `replica: rss ${(before / MB).toFixed(0)} MB, peak during download +${((peak - before) / MB).toFixed(0)} MB`,
    );
    // The whole file went out before the digest could be judged: this is a streamed 200 MB, not an early stop.
    expect(bytesServed).toBe(model.sizeBytes);
    expect(peak - before).toBeLessThan(GROWTH_BOUND);
    expect(status.versionErrors['large@0.9.0']).toMatch(
      /its artifact failed sha256 verification \(registered sha256 f{64}\)/,
    );
    expect(status.versionErrors['large@0.9.0']).not.toContain('127.0.0.1');
    expect(await readdir(join(replica.dataDir, 'artifacts')).catch(() => [])).toEqual([]);
    const infer = await inferLarge([0]);
    expect(infer.status).toBe(503);
  }, 180_000);

  it('downloads from the registry, verifies and serves the values its weights hold', async () => {
    const pid = replica.process.pid;
    const before = await resetPeak(pid);
    await fleet.admin.traffic.promote.mutate({ model: 'large', version: '1.0.0' });
    const indices = [0, 1_234_567, ELEMENTS - 1];
    const answer = await waitFor(
      async () => {
        const response = await inferLarge(indices);
        return response.status === 200 && response;
      },
      { timeoutMs: 180_000, intervalMs: 500, message: 'large@1.0.0 serving' },
    );
    const { peak } = await memory(pid);
    console.log(`replica: peak while downloading and loading +${((peak - before) / MB).toFixed(0)} MB`);
    // Not a transfer bound: the verified bytes and ONNX Runtime's own copy coexist while the session
    // is created (about 3x the model, documented); this only catches a regression well past that.
    expect(peak - before).toBeLessThan(4 * model.sizeBytes);
    expect(answer.body.outputs[0]?.data).toEqual(indices.map(largeModelValue));
    const cached = join(replica.dataDir, 'artifacts', `${model.sha256}.onnx`);
    expect((await stat(cached)).size).toBe(model.sizeBytes);
  }, 240_000);
});

async function inferLarge(indices: number[]) {
  const response = await fetch(`${replica.url}/v2/models/large/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await predictToken()}` },
    body: JSON.stringify({
      inputs: [{ name: 'idx', datatype: 'INT64', shape: [indices.length], data: indices }],
    }),
  });
  const body = (await response.json()) as { outputs: { data: number[] }[] };
  return { status: response.status, body };
}

let token: string | undefined;
async function predictToken(): Promise<string> {
  token ??= (await fleet.createPredictToken('large-predict')).token;
  return token;
}
