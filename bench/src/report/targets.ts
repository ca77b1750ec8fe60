import type { RoundFigures } from '../harness/measure.ts';
import { median } from '../harness/median.ts';
import type { PropagationResult } from '../scenarios/propagation.ts';
import type { RouterResult } from '../scenarios/router.ts';
import type { HttpRow, TargetRow } from './types.ts';

const x = (value: number) => `${value.toFixed(2)}x`;

type Pick = (round: RoundFigures) => number;
const rps: Pick = (r) => r.rps;
const serverUs: Pick = (r) => r.serverCpuUs;
const totalUs: Pick = (r) => r.totalCpuUs;

/** A ratio taken within each round, its median over the rounds, and how it reads. */
interface Paired {
  value: number;
  text: string;
  /** Each round's ratio, in round order. */
  ratios: number[];
}

/**
 * `pick(a) / pick(b)` within each round (the two were measured back to back), and the median over
 * the rounds: a slow spell of the machine then moves both sides of a ratio, not one.
 */
function paired(a: HttpRow, b: HttpRow, pick: Pick): Paired {
  const n = Math.min(a.rounds.length, b.rounds.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++)
    ratios.push(pick(a.rounds[i] as RoundFigures) / pick(b.rounds[i] as RoundFigures));
  if (ratios.length === 0) return { value: Number.NaN, text: 'n/a', ratios };
  const value = median(ratios);
  return { value, text: pairedText(value, ratios), ratios };
}

/**
 * `1.23x (rounds: 1.20, 1.23, 1.31)`. With an aim, a ratio that two decimals would round onto the
 * other side of it gets a third (0.895 against ≥ 0.90), so no figure reads as met when it was missed.
 */
function pairedText(value: number, ratios: readonly number[], reaches?: (value: number) => boolean): string {
  const show = (r: number) =>
    reaches && reaches(r) !== reaches(Number(r.toFixed(2))) ? r.toFixed(3) : r.toFixed(2);
  const each = ratios.length > 1 ? ` (rounds: ${ratios.map(show).join(', ')})` : '';
  return `${show(value)}x${each}`;
}

/**
 * A target judged on paired ratios: `met` follows the median, and `roundsMet` says how many rounds
 * reached the aim on their own, so a verdict that the machine's noise could flip reads as unsettled
 * rather than as met or missed.
 */
function pairedTarget(
  base: Omit<TargetRow, 'measured' | 'met' | 'roundsMet'>,
  ratio: Paired,
  reaches: (value: number) => boolean,
  suffix = '',
): TargetRow {
  return {
    ...base,
    measured: `${ratio.ratios.length > 0 ? pairedText(ratio.value, ratio.ratios, reaches) : ratio.text}${suffix}`,
    met: Number.isNaN(ratio.value) ? null : reaches(ratio.value),
    roundsMet: { met: ratio.ratios.filter(reaches).length, of: ratio.ratios.length },
  };
}
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The figures, evaluated against this run. Missing measurements produce no rows. */
export function evaluateTargets(
  http: HttpRow[],
  propagation: PropagationResult | null,
  router: RouterResult | null,
): TargetRow[] {
  const row = (id: string) => http.find((r) => r.id === id);
  const rows: TargetRow[] = [];
  const floor = row('floor');
  const cacheHit = row('modelplane-cache-hit');
  const modelplane = row('modelplane');
  const onnx = row('onnx-minimal');
  const legacy = row('legacy');

  if (floor && cacheHit) {
    const throughput = paired(cacheHit, floor, rps);
    const cpu = paired(cacheHit, floor, serverUs);
    rows.push(
      pairedTarget(
        { scenario: 2, target: 'cache hit throughput vs floor', aim: '≥ 0.70x' },
        throughput,
        (v) => v >= 0.7,
      ),
      pairedTarget(
        { scenario: 2, target: 'cache hit server CPU/req vs floor', aim: '≤ 1.50x' },
        cpu,
        (v) => v <= 1.5,
      ),
    );
  }
  if (modelplane && onnx) {
    const throughput = paired(modelplane, onnx, rps);
    const cpu = paired(modelplane, onnx, serverUs);
    rows.push(
      pairedTarget(
        { scenario: 3, target: 'inference throughput vs minimal ONNX server', aim: '≥ 0.80x' },
        throughput,
        (v) => v >= 0.8,
      ),
      // The same bar stated as CPU: when both are CPU-bound, 0.8x throughput is 1.25x CPU per request.
      pairedTarget(
        { scenario: 3, target: 'inference server CPU/req vs minimal ONNX server', aim: '≤ 1.25x' },
        cpu,
        (v) => v <= 1.25,
      ),
      // The hot path's CPU budget (the redesign's bar) is looser than scenario 3's first aim.
      pairedTarget(
        { scenario: 3, target: 'the same, against the hot-path CPU budget', aim: '≤ 1.50x' },
        cpu,
        (v) => v <= 1.5,
      ),
    );
  }
  if (modelplane && legacy) {
    const throughput = paired(modelplane, legacy, rps);
    const cpu = paired(legacy, modelplane, totalUs);
    rows.push(
      pairedTarget(
        { scenario: 5, target: 'throughput vs per-request-database design', aim: '≥ 8x' },
        throughput,
        (v) => v >= 8,
      ),
    );
    rows.push({
      scenario: 5,
      target: 'p99 vs per-request-database design',
      measured: `${ms(modelplane.p99Ms)} vs ${ms(legacy.p99Ms)}`,
      aim: 'lower',
      met: modelplane.p99Ms < legacy.p99Ms,
    });
    rows.push(
      pairedTarget(
        {
          scenario: 5,
          target: 'total CPU/req (app + Postgres + Redis), old design ÷ Modelplane',
          aim: '≥ 8x',
        },
        cpu,
        (v) => v >= 8,
      ),
    );
  }
  rows.push(...batchingTargets(row), ...loggingTargets(modelplane, row('modelplane-log-off')));
  if (propagation) rows.push(...propagationTargets(propagation));
  if (router) {
    const rate = router.perCpuSecond / 1e6;
    rows.push({
      scenario: 8,
      target: 'routing decisions per CPU-second, one core',
      measured: `${rate.toFixed(2)} M/s`,
      aim: '> 5 M/s',
      met: rate > 5,
    });
  }
  return rows.sort((a, b) => a.scenario - b.scenario);
}

function propagationTargets(p: PropagationResult): TargetRow[] {
  // The replica sleeps a jittered interval (up to +20 %) between reconciles, then reloads once.
  const bound = p.lostMessage.reconcileIntervalMs * 1.2 + 50;
  return [
    {
      scenario: 6,
      target: `traffic.set → all ${p.replicas} replicas serving (replica stamps), p99 of ${p.allReplicas.samples}`,
      measured: `${ms(p.allReplicas.p99)} (first poll answered: ${ms(p.allReplicasPolled.p99)})`,
      aim: '< 10 ms',
      met: p.allReplicas.p99 < 10,
    },
    {
      scenario: 6,
      target: `lost message → all replicas converged, max of ${p.lostMessage.samples}`,
      measured: ms(p.lostMessage.max),
      aim: `≤ ${ms(bound)} (1.2 × ${p.lostMessage.reconcileIntervalMs} ms interval + a reload)`,
      met: p.lostMessage.max <= bound,
    },
    {
      scenario: 6,
      target: `CLI rollback → all replicas serving the old split, max of ${p.rollback?.samples ?? 0}`,
      measured: p.rollback ? ms(p.rollback.max) : `not measured: ${p.rollbackError}`,
      aim: '< 1000 ms',
      met: p.rollback ? p.rollback.max < 1000 : null,
    },
  ];
}

function meanBatch(r: HttpRow): string {
  const { batches, batchedRequests } = r.counters;
  return batches ? `, mean batch ${((batchedRequests ?? 0) / batches).toFixed(1)}` : ', no batched runs';
}

function batchingTargets(row: (id: string) => HttpRow | undefined): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const model of ['recs', 'heavy']) {
    const off = row(`${model}-unbatched`);
    const on = row(`${model}-batched`);
    if (!off || !on) continue;
    const name = model === 'heavy' ? 'heavy-mlp' : model;
    const throughput = paired(on, off, rps);
    rows.push(
      pairedTarget(
        { scenario: 4, target: `${name} throughput, batching on ÷ off, 64 conns`, aim: '> 1x' },
        throughput,
        (v) => v > 1,
        meanBatch(on),
      ),
    );
    rows.push({
      scenario: 4,
      target: `${name} p99, batching on vs off`,
      measured: `${ms(on.p99Ms)} vs ${ms(off.p99Ms)}`,
      aim: 'no worse',
      met: on.p99Ms <= off.p99Ms,
    });
  }
  const main = row('heavy-unbatched');
  const workers = row('heavy-workers');
  if (main && workers) {
    // No bar: the issue leaves the default to this comparison.
    rows.push({
      scenario: 4,
      target: 'heavy-mlp worker threads ÷ main thread: throughput; p99',
      measured: `${x(workers.rps / main.rps)}; ${ms(workers.p99Ms)} vs ${ms(main.p99Ms)}`,
      aim: 'decides the default',
      met: null,
    });
  }
  return rows;
}

function loggingTargets(modelplane: HttpRow | undefined, logOff: HttpRow | undefined): TargetRow[] {
  const logged = modelplane?.counters.logRows;
  if (!modelplane || logged === undefined) return [];
  const share = logged / Math.max(modelplane.requests, 1);
  const onOff = (off: HttpRow): TargetRow[] => {
    const throughput = paired(modelplane, off, rps);
    const cpu = paired(modelplane, off, serverUs);
    return [
      pairedTarget(
        {
          scenario: 7,
          target: 'serving throughput, prediction log on ÷ off',
          aim: '≥ 0.90x (logging costs at most 10 %)',
        },
        throughput,
        (v) => v >= 0.9,
      ),
      // The replica's own share: Postgres shares the server's core here, so the line above
      // also pays for the inserts, which in production run on the database's host.
      pairedTarget(
        { scenario: 7, target: 'server CPU/req, prediction log on ÷ off', aim: '≤ 1.10x' },
        cpu,
        (v) => v <= 1.1,
      ),
      {
        scenario: 7,
        target: 'total CPU/req (server + Postgres + Redis), log on ÷ off',
        measured: paired(modelplane, off, totalUs).text,
        aim: '—',
        met: null,
      },
    ];
  };

  return [
    ...(logOff ? onOff(logOff) : []),
    {
      scenario: 7,
      target: 'prediction-log rows written while serving at full load',
      measured: `${Math.round(logged / modelplane.durationS)} rows/s`,
      aim: '—',
      met: null,
    },
    {
      scenario: 7,
      target: 'log rows ÷ responses in the measured window',
      measured: share.toFixed(3),
      aim: '≥ 0.99 (every prediction logged)',
      met: share >= 0.99,
    },
  ];
}
