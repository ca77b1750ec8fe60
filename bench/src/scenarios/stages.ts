// "Where the time goes": a data plane of its own runs under `node --cpu-prof` while the inference
// and cache-hit loads of scenarios 2 and 3 run against it; its profile, cut to each measured run
// by time, is charged to stages (bench/src/profile/stages.ts) and divided by the 2xx responses.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type HttpTarget, measureHttp } from '../harness/measure.ts';
import { stopProcess } from '../harness/processes.ts';
import { DATA_PLANE_MAIN } from '../infra/apps.ts';
import { SourceLookup } from '../profile/source-map.ts';
import { type CpuProfile, stageTimes, type TimeWindow } from '../profile/stages.ts';
import { MODELS, type ServingStack } from './serving-stack.ts';
import type { ScenarioContext } from './types.ts';

/** One stage's share of a path's cost. */
export interface StageCost {
  stage: string;
  usPerRequest: number;
}

/** The profile of one path (inference or cache hit), per 2xx response. */
export interface PathProfile {
  id: string;
  label: string;
  requests: number;
  /** Server CPU from /proc (every thread), as in the serving table. */
  serverCpuUsPerRequest: number;
  /** Sampled main-thread time, idle excluded. */
  mainThreadUsPerRequest: number;
  /** Main-thread stages, most expensive first. */
  stages: StageCost[];
}

const HIT_POOL = 64;

/** Profiles the inference and cache-hit paths on a data plane started for it, then stops it. */
export async function profileStages(ctx: ScenarioContext, stack: ServingStack): Promise<PathProfile[]> {
  const profileDir = await ctx.env.tempDir('stages-profile');
  const app = await ctx.env.startDataPlane({
    core: ctx.layout.serverCore,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  const { connections, warmupS, durationS } = ctx.settings;
  const target = (id: string, label: string, model: string, pool: boolean): HttpTarget => ({
    id,
    label,
    load: {
      url: stack.predictUrl(model, app),
      headers: stack.auth,
      connections,
      bodies: pool ? { kind: 'pool', size: HIT_POOL } : { kind: 'distinct', offset: 0 },
    },
    cpu: { server: () => [app.process.pid] },
  });
  const targets = [
    target('inference', 'inference path: recs, cache off, distinct inputs', MODELS.recs, false),
    target('cache-hit', 'cache-hit path: recs, 64 repeated inputs', MODELS.recsCached, true),
  ];
  const measured: { target: HttpTarget; window: TimeWindow; requests: number; serverUs: number }[] = [];
  try {
    for (const t of targets) {
      // Warm up without recording, then time the measured run on the profile's clock.
      if (warmupS > 0) await measureHttp(ctx.layout, { warmupS: 0, durationS: warmupS }, t);
      const fromUs = nowUs();
      const result = await measureHttp(ctx.layout, { warmupS: 0, durationS }, t);
      const toUs = nowUs();
      const requests = Math.round(result.load.rps * result.load.durationS);
      measured.push({
        target: t,
        window: { fromUs, toUs },
        requests,
        serverUs: result.rounds[0]?.serverCpuUs ?? 0,
      });
      ctx.log(
        `  profiled ${t.id}: ${requests} responses, ${(result.rounds[0]?.serverCpuUs ?? 0).toFixed(0)} µs/req`,
      );
    }
  } finally {
    // The profile is written when the process exits.
    await stopProcess(app.process);
  }
  const profile = await readProfile(profileDir);
  const bundle = {
    url: pathToFileURL(DATA_PLANE_MAIN).href,
    app: 'data-plane',
    lookup: new SourceLookup(JSON.parse(await readFile(`${DATA_PLANE_MAIN}.map`, 'utf8'))),
  };
  return measured.map(({ target: t, window, requests, serverUs }) => {
    const times = stageTimes(profile, bundle, window);
    const per = (us: number) => (requests > 0 ? us / requests : Number.NaN);
    return {
      id: t.id,
      label: t.label,
      requests,
      serverCpuUsPerRequest: serverUs,
      mainThreadUsPerRequest: per(times.busyUs),
      stages: [...times.byStage]
        .map(([stage, us]) => ({ stage, usPerRequest: per(us) }))
        .sort((a, b) => b.usPerRequest - a.usPerRequest),
    };
  });
}

/** Microseconds on the monotonic clock V8 stamps profile samples with. */
function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

async function readProfile(dir: string): Promise<CpuProfile> {
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the profiled data plane wrote no .cpuprofile into ${dir}`);
  return JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
}
