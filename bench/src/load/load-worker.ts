// The load generator's own process, pinned to its core by the parent: runs autocannon with the
// spec in argv[2] and prints one LoadResult as JSON on stdout.
import autocannon from 'autocannon';
import { bodyMaker } from './bodies.ts';
import { type LoadResult, type LoadSpec, quantile } from './load-spec.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const nextBody = bodyMaker(spec.bodies);
let sent = 0;
// autocannon keeps latency in whole milliseconds; sub-millisecond servers need the raw samples.
let samples = new Float64Array(1 << 16);
let count = 0;

function record(statusCode: number, responseTime: number): void {
  if (statusCode < 200 || statusCode >= 300) return;
  if (count === samples.length) {
    const grown = new Float64Array(samples.length * 2);
    grown.set(samples);
    samples = grown;
  }
  samples[count++] = responseTime;
}

function report(result: autocannon.Result): LoadResult {
  const sorted = samples.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  return {
    requests: count + result.non2xx,
    durationS: result.duration,
    rps: count / result.duration,
    latency: {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      mean: count === 0 ? Number.NaN : sum / count,
      max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

const instance = autocannon(
  {
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    connections: spec.connections,
    duration: spec.durationS,
    timeout: spec.timeoutS ?? 10,
    ...(spec.rate !== undefined && { overallRate: spec.rate }),
    requests: [
      {
        setupRequest: (request) => {
          request.body = nextBody(sent++);
          return request;
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify(report(result))}\n`);
  },
);
instance.on('response', (_client, statusCode, _bytes, responseTime) => record(statusCode, responseTime));
