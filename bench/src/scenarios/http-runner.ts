import { type HttpMeasurement, type HttpTarget, measureHttp, type RoundFigures } from '../harness/measure.ts';
import type { HttpResults, ScenarioContext } from './types.ts';

/**
 * Measures every target once per round, interleaved (A B C, A B C) so a burst of load from other
 * work on the machine hits all of them alike. Each target's row is its round with the highest
 * throughput (interference only ever slows a run down), and every round's figures are kept too,
 * so the report can compare two targets within each round, back to back, rather than across rounds.
 */
export async function runHttpTargets(ctx: ScenarioContext, targets: HttpTarget[]): Promise<HttpResults> {
  const best: HttpResults = new Map();
  const rounds = new Map<string, RoundFigures[]>();
  const { warmupS, durationS } = ctx.settings;
  for (let round = 1; round <= ctx.settings.rounds; round++) {
    for (const target of targets) {
      await target.beforeRound?.();
      const result = await measureHttp(ctx.layout, { warmupS, durationS }, target);
      ctx.log(`  round ${round}/${ctx.settings.rounds} ${target.id}: ${summary(result)}`);
      rounds.set(target.id, [...(rounds.get(target.id) ?? []), ...result.rounds]);
      const previous = best.get(target.id);
      if (!previous || result.load.rps > previous.load.rps) best.set(target.id, result);
    }
  }
  for (const [id, measurement] of best) measurement.rounds = rounds.get(id) ?? measurement.rounds;
  return best;
}

function summary(m: HttpMeasurement): string {
  const { load } = m;
  return (
    `${Math.round(load.rps)} req/s, p50 ${load.latency.p50.toFixed(2)} ms, p99 ${load.latency.p99.toFixed(2)} ms, ` +
    `errors ${load.errors}, non-2xx ${load.non2xx} ${JSON.stringify(load.statusCodes)}, CPU ${(m.totalCpuMsPerRequest * 1000).toFixed(0)} µs/req`
  );
}
