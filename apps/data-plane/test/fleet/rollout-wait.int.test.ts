import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { type SlowArtifactServer, startSlowArtifactServer } from './slow-artifact-server.ts';
import { predict, readStoredRouting } from './traffic.ts';

// recs@2.0.0 downloads slowly, so a rollout that routes to it stays pending for a while.
const DOWNLOAD_DELAY_MS = 4000;
const recs2 = demo('recs', '2.0.0');

let fleet: Fleet;
let slow: SlowArtifactServer;
let replicas: ReplicaProcess[];
let token: string;

beforeAll(async () => {
  // A replica that stops answering stays "live" for a minute, as one that hangs would.
  fleet = await startFleet({ controlPlaneEnv: { REPLICA_LIVE_WINDOW_MS: '60000' } });
  slow = await startSlowArtifactServer(recs2.file, DOWNLOAD_DELAY_MS);
  await fleet.register(demo('recs', '1.0.0'));
  await fleet.register(recs2, { source: ['--artifact-uri', slow.url, '--sha256', recs2.sha256] });
  token = (await fleet.createPredictToken('rollout-predict')).token;
  replicas = await Promise.all(['wait-a', 'wait-b'].map((id) => fleet.startReplica({ id })));
  await Promise.all(replicas.map((r) => waitForStatus(`${r.url}/readyz`, 200)));
  // Both replicas have reported in (with nothing for recs yet), so both count in the waits below.
  await waitFor(async () => (await fleet.admin.traffic.get.query({ model: 'recs' })).replicas.length === 2, {
    message: 'two live replicas',
  });
}, 120_000);

afterAll(async () => {
  // A stopped replica must be able to run again to exit on SIGTERM.
  for (const r of replicas ?? []) signal(r, 'SIGCONT');
  await fleet?.close();
  await slow?.close();
});

function signal(replica: ReplicaProcess, name: NodeJS.Signals): void {
  try {
    process.kill(replica.process.pid, name);
  } catch {
    // Already gone.
  }
}

/** The rows the CLI printed for each replica: `[id, state, applied]`. */
function replicaLines(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => /^ {2}wait-/.test(line))
    .map((line) => line.trim().split(/\s+/).slice(0, 3));
}

describe('traffic changes wait for the replicas', () => {
  it('promote returns once every live replica serves the revision, one in-sync line each', async () => {
    const result = await fleet.cli(['traffic', 'promote', 'recs@1.0.0']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('rollout complete: 2 of 2 live replicas applied revision 1');
    expect(replicaLines(result.stdout)).toEqual([
      ['wait-a', 'in-sync', '1'],
      ['wait-b', 'in-sync', '1'],
    ]);
    // Already true the moment the CLI returned: both replicas answer with the promoted version.
    for (const r of replicas) {
      const outcome = await predict(r.url, 'recs', { token, routingKey: 'after-promote' });
      expect([outcome.status, outcome.version]).toEqual([200, 'recs@1.0.0']);
    }
  });

  it('shows pending while a version downloads, and the canary returns only once it has loaded', async () => {
    const canary = fleet.cli(['traffic', 'canary', 'recs@2.0.0', '--percent', '50']);
    const pending = await waitFor(
      async () => {
        const { replicas: shown } = await fleet.admin.traffic.get.query({ model: 'recs' });
        return shown.find((r) => r.state === 'pending' && r.loading.includes('recs@2.0.0'));
      },
      { timeoutMs: 15_000, message: 'a replica pending while recs@2.0.0 downloads' },
    );
    expect(pending).toMatchObject({ appliedRevision: 1, reason: 'loading recs@2.0.0' });
    expect(slow.finished).toEqual([]);

    const result = await canary;
    const returnedAt = performance.now();
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(replicaLines(result.stdout)).toEqual([
      ['wait-a', 'in-sync', '2'],
      ['wait-b', 'in-sync', '2'],
    ]);
    // Each replica downloaded the artifact itself; the CLI came back only after both had it.
    expect(slow.finished).toHaveLength(2);
    for (const at of slow.finished) expect(at).toBeLessThan(returnedAt);
  });

  it('times out with exit 1 while a replica is not applying; --no-wait returns at once', async () => {
    const [running, stopped] = replicas as [ReplicaProcess, ReplicaProcess];
    signal(stopped, 'SIGSTOP');
    try {
      const result = await fleet.cli(['traffic', 'rollback', 'recs', '--wait', '3s']);
      const stored = await readStoredRouting(fleet.database, 'recs');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `rollout not complete after 3s: 1 of 2 live replicas applied revision ${stored.revision}`,
      );
      expect(replicaLines(result.stdout)).toEqual([
        [running.id, 'in-sync', String(stored.revision)],
        [stopped.id, 'pending', '2'],
      ]);
      expect(result.stderr).toBe(
        `error: timed out after 3s waiting for recs revision ${stored.revision}: ${stopped.id} pending (at revision 2, not ${stored.revision}) (see modelplane traffic show recs)\n`,
      );

      // The same kind of change without waiting: stored and reported, nothing about the replicas.
      const quick = await fleet.cli(['traffic', 'reshuffle', 'recs', '--no-wait']);
      expect(quick).toMatchObject({ code: 0, stderr: '' });
      expect(quick.stdout).toMatch(/^reshuffled: recs is now at revision \d+/);
      expect(quick.stdout).not.toContain('rollout');
      const status = await fleet.admin.traffic.status.query({ model: 'recs' });
      expect(status.state).toBe('progressing');
    } finally {
      signal(stopped, 'SIGCONT');
    }
    // Running again, it catches up and the rollout completes.
    await waitFor(
      async () => (await fleet.admin.traffic.status.query({ model: 'recs' })).state === 'complete',
      {
        timeoutMs: 15_000,
        message: 'the rollout complete once the replica runs again',
      },
    );
  });
});
