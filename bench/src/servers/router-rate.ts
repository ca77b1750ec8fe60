// Scenario 8: routing decisions per second on one core, in a process pinned by the parent.
// Prints {"perCpuSecond":..., "perWallSecond":..., "calls":...}. Usage: router-rate.ts <seconds>
import { deriveBucketMap, newSalt, route } from '@modelplane/router';

const seconds = Number(process.argv[2] ?? '3');
const KEY_COUNT = 1 << 16;
const BATCH = 1_000_000;
// Typical sticky keys and a three-way split, as the data plane routes them.
const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user-${String(100000 + ((i * 7919) % 900000))}`);
const salt = newSalt();
const map = deriveBucketMap(null, [
  { versionId: 'mv_stable', weight: 7000 },
  { versionId: 'mv_canary', weight: 2000 },
  { versionId: 'mv_shadow', weight: 1000 },
]);

let checksum = 0;
function batch(): void {
  for (let i = 0; i < BATCH; i++)
    checksum = (checksum + route(map, salt, keys[i & (KEY_COUNT - 1)] as string).length) | 0;
}

// Warm the JIT before measuring.
for (let i = 0; i < 3; i++) batch();
let calls = 0;
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
let cpuSeconds = 0;
while (cpuSeconds < seconds) {
  batch();
  calls += BATCH;
  const cpu = process.cpuUsage(cpuStart);
  cpuSeconds = (cpu.user + cpu.system) / 1e6;
}
const wallSeconds = (performance.now() - wallStart) / 1000;
console.log(
  JSON.stringify({ calls, perCpuSecond: calls / cpuSeconds, perWallSecond: calls / wallSeconds, checksum }),
);
