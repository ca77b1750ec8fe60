import type { HttpMeasurement } from '../harness/measure.ts';
import type { HttpResults } from '../scenarios/types.ts';
import type { HttpRow } from './types.ts';

/** Report rows in measurement order, with throughput and server CPU as ratios against the floor. */
export function httpRows(results: HttpResults): HttpRow[] {
  const floor = results.get('floor');
  return [...results.values()].map((m) => toRow(m, floor));
}

function toRow(m: HttpMeasurement, floor: HttpMeasurement | undefined): HttpRow {
  const cpuUsPerRequest: Record<string, number> = {};
  for (const [role, ms] of Object.entries(m.cpuMsPerRequest)) cpuUsPerRequest[role] = ms * 1000;
  const serverCpu = m.cpuMsPerRequest.server ?? Number.NaN;
  const floorCpu = floor?.cpuMsPerRequest.server;
  return {
    id: m.id,
    label: m.label,
    connections: m.connections,
    requests: m.load.requests,
    durationS: m.load.durationS,
    rps: m.load.rps,
    p50Ms: m.load.latency.p50,
    p99Ms: m.load.latency.p99,
    p999Ms: m.load.latency.p999,
    errors: m.load.errors,
    timeouts: m.load.timeouts,
    non2xx: m.load.non2xx,
    statusCodes: m.load.statusCodes,
    counters: m.counters,
    cpuUsPerRequest,
    totalCpuUsPerRequest: m.totalCpuMsPerRequest * 1000,
    rpsVsFloor: floor ? m.load.rps / floor.load.rps : null,
    serverCpuVsFloor: floorCpu ? serverCpu / floorCpu : null,
    rounds: m.rounds,
  };
}
