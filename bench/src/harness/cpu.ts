import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
export const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/**
 * CPU time (user + system, every thread) a process has used so far, in milliseconds; undefined
 * once it is gone. The command name may hold spaces and parentheses, so fields are counted from
 * the last ')'.
 */
export function processCpuMs(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After ')' come state (field 3) ... utime (14) and stime (15).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** Where the CPU of one role (the server, Postgres, Redis) comes from; re-read at both ends. */
export type PidSource = () => Promise<number[]> | number[];

/** CPU used by each role between `start()` and `stop()`, in milliseconds. */
export type CpuDelta = Record<string, number>;

/**
 * Samples the CPU time of groups of processes. Pids are looked up again at the end, so a process
 * that appeared during the window (a new Postgres backend) counts from zero; one that vanished
 * counts up to its last reading, which we lose, so windows should not span process exits.
 */
export class CpuProbe {
  readonly #sources: Record<string, PidSource>;
  #start = new Map<string, Map<number, number>>();

  constructor(sources: Record<string, PidSource>) {
    this.#sources = sources;
  }

  async start(): Promise<void> {
    this.#start = await this.#read();
  }

  async stop(): Promise<CpuDelta> {
    const end = await this.#read();
    const delta: CpuDelta = {};
    for (const [role, pids] of end) {
      const before = this.#start.get(role) ?? new Map<number, number>();
      let total = 0;
      for (const [pid, ms] of pids) total += ms - (before.get(pid) ?? 0);
      delta[role] = total;
    }
    return delta;
  }

  async #read(): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    for (const [role, source] of Object.entries(this.#sources)) {
      const pids = new Map<number, number>();
      for (const pid of await source()) {
        const ms = processCpuMs(pid);
        if (ms !== undefined) pids.set(pid, ms);
      }
      out.set(role, pids);
    }
    return out;
  }
}
