// Routing throughput on one core: `pnpm bench` (node --import tsx bench/route-bench.ts).
// Not a test: it prints decisions per second for typical keys ("user-123456", 16-char salt).
import { bucketOf, deriveBucketMap, murmur3, newSalt, route } from '../src/index.ts';

const KEY_COUNT = 1 << 16;
const ROUNDS = 7;
const CALLS_PER_ROUND = 10_000_000;

const salt = newSalt();
const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${String(100000 + ((i * 7919) % 900000))}`);
const map = deriveBucketMap(null, [
  { versionId: 'mv_stable', weight: 7000 },
  { versionId: 'mv_canary', weight: 2000 },
  { versionId: 'mv_shadow', weight: 1000 },
]);

/**
 * Runs `fn` over the keys `calls` times. Returns calls per second of this process's CPU time
 * (the per-core rate, robust when other work shares the machine), per second of wall time, and a
 * checksum that keeps the work live.
 */
function measure(
  calls: number,
  fn: (key: string) => number,
): { rate: number; wallRate: number; checksum: number } {
  let checksum = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) checksum = (checksum + fn(keys[i & (KEY_COUNT - 1)] as string)) | 0;
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { rate: calls / ((cpu.user + cpu.system) / 1e6), wallRate: calls / wall, checksum };
}

function report(name: string, calls: number, fn: (key: string) => number): void {
  measure(calls / 10, fn); // warm up the JIT
  const rates: number[] = [];
  const wallRates: number[] = [];
  let checksum = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const result = measure(calls, fn);
    rates.push(result.rate);
    wallRates.push(result.wallRate);
    checksum ^= result.checksum;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
  console.log(
    `${name.padEnd(34)} ${fmt(median(rates))} per CPU-second (median), best ${fmt(Math.max(...rates))}; ` +
      `wall-clock median ${fmt(median(wallRates))}  [checksum ${checksum}]`,
  );
}

const encoder = new TextEncoder();
console.log(`node ${process.version}, ${ROUNDS} rounds x ${CALLS_PER_ROUND / 1e6}M calls, salt ${salt}`);
report('route(map, salt, key)', CALLS_PER_ROUND, (key) => route(map, salt, key).length);
report('bucketOf(salt, key)', CALLS_PER_ROUND, (key) => bucketOf(salt, key));
report('TextEncoder + murmur3 (reference)', CALLS_PER_ROUND / 5, (key) =>
  murmur3(encoder.encode(`${salt}:${key}`)),
);
