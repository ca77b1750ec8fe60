import { createControlPlaneClient } from '@modelplane/client';
import { scrapeMetrics } from '../harness/metrics.ts';
import { stopProcess } from '../harness/processes.ts';
import { watchVersions } from '../harness/version-watch.ts';
import { type AppProcess, startControlPlane } from '../infra/apps.ts';
import { demoModel, registerModel } from '../infra/models.ts';
import { timeRollbacks } from './rollback.ts';
import { summarize, type TimingSummary } from './stats.ts';
import type { ScenarioContext } from './types.ts';

/** Scenario 6's figures, in milliseconds. */
export interface PropagationResult {
  replicas: number;
  /**
   * From `traffic.set` returning to every replica serving the new revision, per change, by each
   * replica's own stamp of the swap (`modelplane_routing_applied_timestamp_seconds`); negative when
   * a replica swapped before the call returned.
   */
  allReplicas: TimingSummary;
  /** The same per replica and change (4 samples per change). */
  perReplica: TimingSummary;
  /**
   * Per replica and change, from `traffic.set` returning to the replica receiving the bus message
   * (its stamp `modelplane_routing_message_received_timestamp_seconds`): delivery and wake-up.
   */
  perReplicaDelivered: TimingSummary;
  /** Per replica and change, from the message arriving to the swap: the replica's own apply work. */
  perReplicaApplying: TimingSummary;
  /** From `traffic.set` returning to the first polled prediction of every replica answering with it. */
  allReplicasPolled: TimingSummary;
  /** Lost pub/sub message: from the change to every replica serving it through its reconcile loop. */
  lostMessage: TimingSummary & { reconcileIntervalMs: number };
  /** From starting `modelplane traffic rollback` to every replica serving the old split. */
  rollback: TimingSummary | null;
  /** From starting the CLI to its printing the new revision (the mutation has returned by then). */
  rollbackCliPrinted: TimingSummary | null;
  /** How long the CLI process itself took, start to exit. */
  rollbackCli: TimingSummary | null;
  /** `node -e 0`, start to exit: the floor under any CLI command on this machine right now. */
  nodeStartup: TimingSummary | null;
  /** Why the rollback trials could not run (the CLI failed), so the other figures still report. */
  rollbackError: string | null;
}

const MODEL = 'recs-flip';
const REPLICAS = 4;

/**
 * Four data-plane processes follow one model whose traffic flips between two versions. Each
 * replica is polled with real predictions; a revision counts as applied when the replica serves it.
 */
export async function runPropagation(ctx: ScenarioContext): Promise<PropagationResult> {
  const { env, settings } = ctx;
  const recs1 = demoModel('recs', '1.0.0');
  const recs2 = demoModel('recs', '2.0.0');
  await registerModel(env.admin, { name: MODEL, entries: [recs1, recs2], promote: recs1.version });
  const interval = settings.reconcileIntervalMs;
  ctx.log(`starting ${REPLICAS} data-plane replicas (reconcile every ${interval} ms)`);
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, () => env.startDataPlane({ core: null, reconcileIntervalMs: interval })),
  );
  const watch = watchVersions(
    replicas.map((r) => r.url),
    MODEL,
    env.predictToken,
  );
  // A control plane on another channel prefix: its changes reach Postgres, its messages nobody.
  const lostPlane = await startControlPlane(
    { ...env.settings, prefix: 'mpbench-lost:' },
    env.adminToken,
    await env.tempDir('control-plane-lost'),
  );
  try {
    const set = (client: typeof env.admin, version: string) =>
      client.traffic.set.mutate({ model: MODEL, weights: [{ version, weight: 10_000 }], baseline: version });
    const ref = (version: string) => `${MODEL}@${version}`;
    const versions = [recs2.version, recs1.version];
    // Untimed flips first, so both versions are loaded and warm on every replica.
    for (const version of versions) {
      await set(env.admin, version);
      await watch.untilServing(ref(version), { timeoutMs: 30_000 });
    }

    ctx.log(`timing ${settings.propagationChanges} traffic changes across ${REPLICAS} replicas`);
    const all: number[] = [];
    const each: number[] = [];
    const polled: number[] = [];
    const delivered: number[] = [];
    const applying: number[] = [];
    for (let i = 0; i < settings.propagationChanges; i++) {
      const version = versions[i % 2] as string;
      await set(env.admin, version);
      const returned = performance.now();
      const returnedEpoch = performance.timeOrigin + returned;
      // The replicas' own stamps time the swap; the polls only confirm it is served, so they pause
      // 5 ms between them rather than keep four replicas busy on two cores while they reload.
      const seen = await watch.untilServing(ref(version), { timeoutMs: 10_000, pauseMs: 5 });
      polled.push(Math.max(...seen) - returned);
      const stamps = await stampsOf(replicas, MODEL);
      all.push(Math.max(...stamps.map((s) => s.applied)) - returnedEpoch);
      for (const { received, applied } of stamps) {
        each.push(applied - returnedEpoch);
        delivered.push(received - returnedEpoch);
        applying.push(applied - received);
      }
    }

    ctx.log(`timing ${settings.convergenceTrials} lost-message convergences`);
    const lostClient = createControlPlaneClient({ url: lostPlane.url, token: env.adminToken });
    const lost: number[] = [];
    for (let i = 0; i < settings.convergenceTrials; i++) {
      const version = versions[i % 2] as string;
      await set(lostClient, version);
      const returned = performance.now();
      const seen = await watch.untilServing(ref(version), { timeoutMs: interval * 3 + 10_000, pauseMs: 2 });
      lost.push(Math.max(...seen) - returned);
    }

    ctx.log(`timing ${settings.convergenceTrials} CLI rollbacks`);
    const result: PropagationResult = {
      replicas: REPLICAS,
      allReplicas: summarize(all),
      perReplica: summarize(each),
      perReplicaDelivered: summarize(delivered),
      perReplicaApplying: summarize(applying),
      allReplicasPolled: summarize(polled),
      lostMessage: { ...summarize(lost), reconcileIntervalMs: interval },
      rollback: null,
      rollbackCliPrinted: null,
      rollbackCli: null,
      nodeStartup: null,
      rollbackError: null,
    };
    try {
      const { rollback, printed, cli, nodeStartup } = await timeRollbacks(ctx, MODEL, watch, versions, set);
      return {
        ...result,
        rollback: summarize(rollback),
        rollbackCliPrinted: summarize(printed),
        rollbackCli: summarize(cli),
        nodeStartup: summarize(nodeStartup),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log(`rollback trials failed: ${message}`);
      return { ...result, rollbackError: message.split('\n').slice(0, 3).join(' ') };
    }
  } finally {
    await watch.close();
    await stopProcess(lostPlane.process);
    for (const replica of replicas) await stopProcess(replica.process);
  }
}

/** Each replica's own stamps for `model`: when the bus message arrived and when it swapped (epoch ms). */
async function stampsOf(
  replicas: readonly AppProcess[],
  model: string,
): Promise<{ received: number; applied: number }[]> {
  return Promise.all(
    replicas.map(async (replica) => {
      const samples = (await scrapeMetrics(replica.url)) ?? [];
      const stamp = (name: string, what: string) => {
        const sample = samples.find((s) => s.name === name && s.labels.model === model);
        const seconds = sample ? sample.value : Number.NaN;
        if (!Number.isFinite(seconds))
          throw new Error(`${replica.url}/metrics has no ${what} timestamp for ${model}`);
        return seconds * 1000;
      };
      return {
        received: stamp('modelplane_routing_message_received_timestamp_seconds', 'message received'),
        applied: stamp('modelplane_routing_applied_timestamp_seconds', 'applied'),
      };
    }),
  );
}
