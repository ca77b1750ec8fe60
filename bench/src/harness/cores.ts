import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** How the bench splits the machine between the server under test and the load generator. */
export interface CoreLayout {
  /** Cores the machine reports. */
  cores: number;
  /** Whether util-linux `taskset` is usable; without it nothing is pinned. */
  taskset: boolean;
  /** The core servers (and the Postgres backends and Redis serving them) are pinned to. */
  serverCore: number | null;
  /** The core the load generator is pinned to. */
  loadCore: number | null;
  /** One line for the report. */
  description: string;
}

/** Server on core 0, load generator on core 1, when there are two cores and taskset works. */
export function detectCores(): CoreLayout {
  const cores = availableParallelism();
  const taskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  if (!taskset || cores < 2) {
    const why = taskset ? `only ${cores} core` : 'taskset is not available';
    return {
      cores,
      taskset,
      serverCore: null,
      loadCore: null,
      description: `${cores} cores, nothing pinned (${why}): server and load generator share the CPU`,
    };
  }
  return {
    cores,
    taskset,
    serverCore: 0,
    loadCore: 1,
    description:
      `${cores} cores: the server under test, its Postgres backends and Redis pinned to core 0, ` +
      'the load generator (autocannon) to core 1, with taskset; other processes float',
  };
}

/** `[command, ...args]` wrapped so the process runs on `core` (taskset execs, so the pid stays the same). */
export function pinnedCommand(core: number | null, command: string, args: string[]): [string, string[]] {
  if (core === null) return [command, args];
  return ['taskset', ['-c', String(core), command, ...args]];
}

/** Moves running processes (such as Postgres backends serving the bench) onto `core`; best effort. */
export function pinProcesses(core: number | null, pids: readonly number[]): void {
  if (core === null) return;
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
    } catch {
      // The backend may have exited meanwhile.
    }
  }
}
