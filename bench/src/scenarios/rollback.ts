import type { ControlPlaneClient } from '@modelplane/client';
import { launch } from '../harness/processes.ts';
import type { VersionWatch } from '../harness/version-watch.ts';
import { CLI_MAIN } from '../infra/apps.ts';
import type { ScenarioContext } from './types.ts';

/** Per trial, in milliseconds from starting the CLI (and, apart, a bare `node -e 0`). */
export interface RollbackTimings {
  rollback: number[];
  printed: number[];
  cli: number[];
  nodeStartup: number[];
}

/**
 * Moves `model` off its current version, then times `modelplane traffic rollback` until every
 * replica serves the old split again. A CLI that exits non-zero fails the trials with its output.
 */
export async function timeRollbacks(
  ctx: ScenarioContext,
  model: string,
  watch: VersionWatch,
  versions: string[],
  set: (client: ControlPlaneClient, version: string) => Promise<unknown>,
): Promise<RollbackTimings> {
  const { env } = ctx;
  const ref = (version: string) => `${model}@${version}`;
  const rollback: number[] = [];
  const printed: number[] = [];
  const cli: number[] = [];
  const nodeStartup: number[] = [];
  for (let i = 0; i < ctx.settings.convergenceTrials; i++) {
    // Whatever serves now is the "old split"; move off it, wait until everyone moved, then roll back.
    const current = (await env.admin.traffic.get.query({ model })).revision?.weights[0]?.version;
    const next = versions.find((v) => v !== current) as string;
    await set(env.admin, next);
    await watch.untilServing(ref(next), { timeoutMs: 10_000 });
    const started = performance.now();
    const args = [
      CLI_MAIN,
      'traffic',
      'rollback',
      model,
      // The trial watches the replicas itself; the CLI's own wait would only add heartbeat latency.
      '--no-wait',
      '--url',
      env.controlPlane.url,
      '--token',
      env.adminToken,
    ];
    const child = await launch(null, process.execPath, args);
    const printedAt = child.waitForOutput(/rolled back/, 15_000).then(() => performance.now());
    printedAt.catch(() => {});
    // A CLI that fails stops the trial at once instead of leaving the watch to time out.
    const stopWatching = new AbortController();
    const exited = child.exited.then((status) => {
      if (status.code !== 0) {
        stopWatching.abort();
        const output = child.output().trim().split('\n').slice(0, 2).join(' ');
        throw new Error(`modelplane traffic rollback exited with ${status.code}: ${output}`);
      }
      return performance.now();
    });
    const watching = watch.untilServing(ref(current as string), {
      timeoutMs: 10_000,
      pauseMs: 2,
      signal: stopWatching.signal,
    });
    // Handled here so a failure before the watch ends is not an unhandled rejection.
    exited.catch(() => {});
    const seen = await watching.catch(async (error: unknown) => {
      // When the CLI failed, its error explains the aborted watch better than the watch's own.
      await exited;
      throw error;
    });
    const at = await exited;
    rollback.push(Math.max(...seen) - started);
    printed.push((await printedAt) - started);
    cli.push(at - started);
    nodeStartup.push(await timeNodeStartup());
  }
  return { rollback, printed, cli, nodeStartup };
}

async function timeNodeStartup(): Promise<number> {
  const started = performance.now();
  const child = await launch(null, process.execPath, ['-e', '0']);
  await child.exited;
  return performance.now() - started;
}
