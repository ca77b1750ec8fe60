import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { mapLimit, predict } from './traffic.ts';

// recs@2.0.0 is registered with the digest of the genuine file but its URI serves a copy with one
// byte changed, as if the bucket or disk behind it had been tampered with. Its digest is not
// shared with any other version, so no verified copy of it can already sit in the replica's cache.
const recs2 = demo('recs', '2.0.0');

let fleet: Fleet;
let replica: ReplicaProcess;
let token: string;

beforeAll(async () => {
  // Stale after 1 s: a replica whose version failed must show as failed, never merely stale.
  fleet = await startFleet({ controlPlaneEnv: { REPLICA_STALE_AFTER_MS: '1000' } });
  const bytes = await readFile(recs2.file);
  bytes[bytes.length - 8] = (bytes[bytes.length - 8] ?? 0) ^ 0x01;
  const tampered = join(fleet.workDir, 'recs-2.0.0-tampered.onnx');
  await writeFile(tampered, bytes);

  await fleet.register(demo('recs', '1.0.0'));
  await fleet.register(recs2, {
    source: ['--artifact-uri', pathToFileURL(tampered).href, '--sha256', recs2.sha256],
  });
  await fleet.json(['traffic', 'promote', 'recs@1.0.0']);
  token = (await fleet.createPredictToken('tamper-predict')).token;
  replica = await fleet.startReplica({ id: 'tamper' });
  await waitForStatus(`${replica.url}/readyz`, 200);
}, 120_000);

afterAll(async () => {
  await fleet?.close();
});

type ReplicaStatus = {
  replicaId: string;
  state: string;
  reason: string | null;
  appliedRevision: number | null;
  versionErrors: Record<string, string>;
};

describe('an artifact that fails its sha256 check', () => {
  it('is never served; the other version keeps serving and the error reaches traffic.get', async () => {
    // The CLI waits for the rollout, sees the replica fail to load 2.0.0 and says why.
    const started = performance.now();
    const result = await fleet.cli(['traffic', 'canary', 'recs@2.0.0', '--percent', '20', '--json']);
    expect(result.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(25_000);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: rollout of recs revision \\d+ failed: tamper: recs@2\\.0\\.0: .*sha256.*${recs2.sha256}`,
      ),
    );
    const canary = JSON.parse(result.stdout) as { revision: number; rollout: { state: string } };
    expect(canary.rollout.state).toBe('failed');

    const reported = await waitFor(
      async () => {
        const traffic = await fleet.admin.traffic.get.query({ model: 'recs' });
        const status = (traffic.replicas as ReplicaStatus[]).find((r) => r.replicaId === replica.id);
        return status?.versionErrors['recs@2.0.0'] !== undefined && status.state === 'failed' && status;
      },
      { timeoutMs: 10_000, message: 'the version error and the failed state in traffic.get' },
    );
    expect(reported.versionErrors['recs@2.0.0']).toMatch(/sha256/);
    expect(reported.versionErrors['recs@2.0.0']).toContain(recs2.sha256);
    expect(reported.reason).toBe(`recs@2.0.0: ${reported.versionErrors['recs@2.0.0']}`);
    // The replica kept the last table it could serve entirely.
    expect(reported.appliedRevision).toBe(canary.revision - 1);

    // Routed traffic stays on 1.0.0 for every key, including those the canary would have moved.
    const outcomes = await mapLimit(
      Array.from({ length: 200 }, (_, i) => `user-${i}`),
      4,
      (routingKey) => predict(replica.url, 'recs', { token, routingKey }),
    );
    expect(outcomes.map((o) => `${o.status} ${o.version}`)).toEqual(outcomes.map(() => '200 recs@1.0.0'));

    // Asked for by name it failed to load, with the version named, why, and a hint when to retry.
    for (let i = 0; i < 3; i++) {
      const pinned = await predict(replica.url, 'recs', { token, pin: 'recs@2.0.0' });
      expect(pinned.status).toBe(503);
      expect(Number(pinned.retryAfter)).toBeGreaterThan(0);
      expect(pinned.body).toMatchObject({
        error: {
          code: 'VERSION_LOAD_FAILED',
          message: `version recs@2.0.0 failed to load: its artifact failed sha256 verification (registered sha256 ${recs2.sha256})`,
        },
      });
    }
    const other = await predict(replica.url, 'recs', { token, pin: '1.0.0' });
    expect([other.status, other.version]).toEqual([200, 'recs@1.0.0']);
    expect((await fetch(`${replica.url}/readyz`)).status).toBe(200);

    // The tampered bytes never made it into the content-addressed cache, and the log raised the alert.
    await expect(access(join(replica.dataDir, 'artifacts', `${recs2.sha256}.onnx`))).rejects.toThrow(
      /ENOENT/,
    );
    expect(replica.process.output()).toMatch(/"alert":"artifact_integrity"/);

    const table = (await fleet.cli(['traffic', 'show', 'recs'])).stdout;
    expect(table).toMatch(
      new RegExp(`^tamper\\s+failed\\s+${canary.revision - 1}\\s.*recs@2\\.0\\.0: .*sha256`, 'm'),
    );
  });
});
