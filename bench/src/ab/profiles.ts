// `pnpm bench:ab --cpu-prof DIR`: each measured server's main-thread profile, cut to its measured
// runs and charged to stages as in docs/benchmarks.md (profile/stages.ts), in µs per 2xx response,
// side by side: where one path spends what another does not.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RoundFigures } from '../harness/measure.ts';
import { SourceLookup } from '../profile/source-map.ts';
import { type CpuProfile, stageTimes } from '../profile/stages.ts';

/** One measured server: its pid (which names its profile) and, for a data plane, its bundle. */
export interface ProfiledServer {
  id: string;
  pid: number;
  /** The bundled `main.js` (with its `.map` beside it) whose frames are Modelplane stages. */
  main?: string;
  rounds: readonly RoundFigures[];
}

export const MAIN_THREAD = 'main thread, total';
export const SERVER_CPU = 'server CPU (from /proc, every thread)';

/** µs per 2xx response by stage, over the server's measured runs only (not warm-ups or start). */
export function perRequestStages(
  profile: CpuProfile,
  bundle: Parameters<typeof stageTimes>[1],
  rounds: readonly RoundFigures[],
): Map<string, number> {
  const totals = new Map<string, number>();
  let requests = 0;
  let busyUs = 0;
  let serverUs = 0;
  for (const round of rounds) {
    if (!round.window || !round.requests) continue;
    const times = stageTimes(profile, bundle, round.window);
    requests += round.requests;
    busyUs += times.busyUs;
    serverUs += round.serverCpuUs * round.requests;
    for (const [stage, us] of times.byStage) totals.set(stage, (totals.get(stage) ?? 0) + us);
  }
  const perRequest = new Map<string, number>();
  if (requests === 0) return perRequest;
  for (const [stage, us] of totals) perRequest.set(stage, us / requests);
  perRequest.set(MAIN_THREAD, busyUs / requests);
  perRequest.set(SERVER_CPU, serverUs / requests);
  return perRequest;
}

/**
 * A text table: one row per stage (most expensive in the first column first; the totals last),
 * one column per server, "—" where a server has no such stage.
 */
export function stageTable(columns: readonly { id: string; stages: ReadonlyMap<string, number> }[]): string {
  const totals = new Set([MAIN_THREAD, SERVER_CPU]);
  const cost = (stage: string) => columns.map((c) => c.stages.get(stage) ?? 0);
  const stages = [...new Set(columns.flatMap((c) => [...c.stages.keys()]))]
    .filter((stage) => !totals.has(stage))
    .sort((a, b) => {
      const [x, y] = [cost(a), cost(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
      return a.localeCompare(b);
    });
  const rows = [...stages, ...totals];
  const width = Math.max(5, ...rows.map((r) => r.length));
  const cell = (c: (typeof columns)[number], stage: string) => {
    const us = c.stages.get(stage);
    return (us === undefined ? '—' : us.toFixed(1)).padStart(Math.max(8, c.id.length));
  };
  const header = `${'stage (µs per 2xx response)'.padEnd(width)}  ${columns.map((c) => c.id.padStart(8)).join('  ')}`;
  return [
    header,
    ...rows.map((r) => `${r.padEnd(width)}  ${columns.map((c) => cell(c, r)).join('  ')}`),
  ].join('\n');
}

/** Reads each server's main-thread profile from `dir` and tabulates them. */
export async function profileTables(dir: string, servers: readonly ProfiledServer[]): Promise<string> {
  const files = await readdir(dir);
  const columns: { id: string; stages: Map<string, number> }[] = [];
  for (const server of servers) {
    // `node --cpu-prof` names files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one.
    const file = files.find((f) => f.includes(`.${server.pid}.0.`) && f.endsWith('.cpuprofile'));
    if (!file) {
      columns.push({ id: server.id, stages: new Map() });
      continue;
    }
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const bundle = server.main
      ? {
          url: pathToFileURL(server.main).href,
          app: 'data-plane',
          lookup: new SourceLookup(JSON.parse(await readFile(`${server.main}.map`, 'utf8'))),
        }
      : null;
    columns.push({ id: server.id, stages: perRequestStages(profile, bundle, server.rounds) });
  }
  return stageTable(columns);
}
