import { type HttpMeasurement, type HttpTarget, measureHttp } from '../harness/measure.ts';
import type { HttpResults, ScenarioContext } from './types.ts';

/**
 * Measures every target once per round, interleaved (A B C, A B C) so a burst of load from other
 * work on the machine hits all of them alike, and keeps each target's round with the highest
 * throughput: interference only ever slows a run down.
 */
export async function runHttpTargets(ctx: ScenarioContext, targets: HttpTarget[]): Promise<HttpResults> {
  const best: HttpResults = new Map();
  const { warmupS, durationS, rounds } = ctx.settings;
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const result = await measureHttp(ctx.layout, { warmupS, durationS }, target);
      ctx.log(`  round ${round}/${rounds} ${target.id}: ${summary(result)}`);
      const previous = best.get(target.id);
      if (!previous || result.load.rps > previous.load.rps) best.set(target.id, result);
    }
  }
  return best;
}

function summary(m: HttpMeasurement): string {
  const { load } = m;
  return (
    `${Math.round(load.rps)} req/s, p50 ${load.latency.p50.toFixed(2)} ms, p99 ${load.latency.p99.toFixed(2)} ms, ` +
    `errors ${load.errors}, non-2xx ${load.non2xx} ${JSON.stringify(load.statusCodes)}, CPU ${(m.totalCpuMsPerRequest * 1000).toFixed(0)} µs/req`
  );
}
