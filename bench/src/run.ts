import { cpus, loadavg } from 'node:os';
import type { CoreLayout } from './harness/cores.ts';
import { stopStarted } from './harness/processes.ts';
import { openEnvironment } from './infra/environment.ts';
import { featureGaps } from './report/feature-checks.ts';
import { httpRows } from './report/http-rows.ts';
import { evaluateTargets } from './report/targets.ts';
import type { BenchReport, ScenarioFailure } from './report/types.ts';
import { runHttpTargets } from './scenarios/http-runner.ts';
import { type PropagationResult, runPropagation } from './scenarios/propagation.ts';
import { type RouterResult, runRouter } from './scenarios/router.ts';
import { prepareServing } from './scenarios/serving.ts';
import { type PathProfile, profileStages } from './scenarios/stages.ts';
import type { BenchSettings, HttpResults, NotRun, ScenarioContext } from './scenarios/types.ts';

/** The scenario groups a run can be limited to. */
export const SCENARIO_GROUPS = ['router', 'serving', 'propagation'] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

/** Options for {@link runBench}. */
export interface RunOptions {
  settings: BenchSettings;
  layout: CoreLayout;
  command: string;
  groups?: readonly ScenarioGroup[];
  /** Profile the serving data plane into this directory (`--cpu-prof`). */
  profileDir?: string;
  log(message: string): void;
}

/**
 * Runs the scenarios against one environment and returns the report. A scenario that throws is
 * recorded as a failure and the others still run; every process and the database are cleaned up
 * whatever happens.
 */
export async function runBench(options: RunOptions): Promise<BenchReport> {
  const { settings, layout, log } = options;
  const groups = new Set(options.groups ?? SCENARIO_GROUPS);
  const startLoad = loadavg();
  const failures: ScenarioFailure[] = [];
  const notRun: NotRun[] = [];
  let http: HttpResults = new Map();
  let propagation: PropagationResult | null = null;
  let router: RouterResult | null = null;
  let stages: PathProfile[] | null = null;
  const attempt = async (scenario: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${scenario} failed: ${message}`);
      failures.push({ scenario, error: message.split('\n')[0] ?? message });
    }
  };

  log(layout.description);
  const env = await openEnvironment(layout);
  try {
    const ctx: ScenarioContext = {
      env,
      layout,
      settings,
      log,
      ...(options.profileDir && { profileDir: options.profileDir }),
    };
    if (groups.has('router')) {
      await attempt('scenario 8 (router)', async () => {
        router = await runRouter(ctx);
      });
    }
    if (groups.has('serving')) {
      await attempt('scenarios 1-5, 7 (serving)', async () => {
        const serving = await prepareServing(ctx);
        notRun.push(...serving.notRun);
        try {
          http = await runHttpTargets(ctx, serving.targets);
          await attempt('where the time goes (profile)', async () => {
            stages = await profileStages(ctx, serving.stack);
          });
        } finally {
          await serving.stop();
        }
      });
    }
    if (groups.has('propagation')) {
      await attempt('scenario 6 (propagation)', async () => {
        propagation = await runPropagation(ctx);
      });
    }
  } finally {
    await env.close();
    await stopStarted();
  }

  const rows = httpRows(http);
  return {
    date: new Date().toISOString(),
    command: options.command,
    machine: {
      cores: layout.cores,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      layout: layout.description,
      loadAverage: startLoad,
    },
    settings,
    http: rows,
    propagation,
    router,
    stages,
    targets: evaluateTargets(rows, propagation, router),
    notRun: [...notRun, ...featureGaps(rows)].sort((a, b) => a.scenario - b.scenario),
    failures,
  };
}
