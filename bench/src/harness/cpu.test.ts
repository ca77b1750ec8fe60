import { describe, expect, it } from 'vitest';
import { CpuProbe, processCpuMs } from './cpu.ts';

describe('processCpuMs', () => {
  it('follows the CPU this process spends, and is undefined for a pid that does not exist', async () => {
    const probe = new CpuProbe({ self: () => [process.pid] });
    await probe.start();
    // Spin for 200 ms of CPU (not wall time: the machine may be busy) as Node itself counts it.
    const start = process.cpuUsage();
    let spent = 0;
    while (spent < 200) {
      const used = process.cpuUsage(start);
      spent = (used.user + used.system) / 1000;
    }
    const delta = await probe.stop();
    // /proc counts in clock ticks (10 ms), and other threads of this process add a little.
    expect(delta.self).toBeGreaterThanOrEqual(180);
    expect(delta.self).toBeLessThan(400);
    expect(processCpuMs(2 ** 22 + 12_345)).toBeUndefined();
  });
});
