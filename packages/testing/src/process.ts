import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { inheritedEnv } from './env.ts';
import { waitForUrl } from './wait-for-url.ts';

/** How a managed process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options for {@link startProcess}. */
export interface StartProcessOptions {
  /** Added to (and overriding) the test runner's own environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** A pattern matched against stdout+stderr, or a URL polled until it answers 2xx. */
  readyWhen?: RegExp | { url: string };
  /** How long readiness may take before the process is killed and the start fails (default 15000 ms). */
  timeoutMs?: number;
}

/** A child process started by a test, tracked so it can be stopped even after a failure. */
export interface ManagedProcess {
  readonly pid: number;
  /** Everything written to stdout and stderr so far (interleaved, the oldest output trimmed past 2 MB). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Signals the process (SIGKILL after `timeoutMs`) and resolves once it has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
  readonly exited: Promise<ExitStatus>;
}

const MAX_OUTPUT_CHARS = 2 * 1024 * 1024;
const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

// Each child leads its own process group (pgid = its pid), so signalling -pid also reaches anything
// it spawned, such as the node process behind a `pnpm exec` wrapper.
function signalGroup(pid: number, signal: NodeJS.Signals, leaderToo = true): void {
  try {
    process.kill(-pid, signal);
  } catch {
    if (!leaderToo) return;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

// Last line of defence when a test run ends without calling stopAllProcesses (exit handlers must be sync).
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) signalGroup(child.pid, 'SIGKILL');
  });
}

function tail(text: string): string {
  return text.length > 4000 ? `...${text.slice(-4000)}` : text;
}

/**
 * Spawns `command` (no shell) in its own process group, captures its output and, with `readyWhen`,
 * resolves only once it is ready. A process that exits or times out before then is killed and the
 * promise rejects with the tail of its output.
 */
export async function startProcess(
  command: string,
  args: string[],
  options: StartProcessOptions = {},
): Promise<ManagedProcess> {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...inheritedEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  await once(child, 'spawn');
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${command} started without a pid`);

  let output = '';
  let exitStatus: ExitStatus | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS / 2);
    notify();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  // 'exit' can precede the last stdout chunk; output waiters give up only once the pipes have closed
  // (or shortly after exit, should a detached grandchild hold them open).
  let outputDone = false;
  const finishOutput = () => {
    outputDone = true;
    notify();
  };
  child.once('close', finishOutput);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      running.delete(managed);
      // Sweep descendants the leader left behind; the leader's own pid is reaped and may be reused.
      signalGroup(pid, 'SIGKILL', false);
      setTimeout(finishOutput, 500).unref();
      resolve(exitStatus);
    });
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> => {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(`no output matching ${re} from ${command} within ${timeoutMs} ms:\n${tail(output)}`),
        );
      }, timeoutMs);
      function check(): void {
        const match = output.match(re);
        if (!match && !outputDone) return;
        clearTimeout(timer);
        listeners.delete(check);
        if (match) resolve(match);
        else
          reject(
            new Error(`${command} exited (${JSON.stringify(exitStatus)}) before ${re}:\n${tail(output)}`),
          );
      }
      listeners.add(check);
      check();
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<ExitStatus> => {
    if (exitStatus) return exitStatus;
    signalGroup(pid, signal);
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const managed: ManagedProcess = { pid, output: () => output, waitForOutput, stop, exited };
  running.add(managed);

  const { readyWhen, timeoutMs = 15_000 } = options;
  try {
    if (readyWhen instanceof RegExp) await waitForOutput(readyWhen, timeoutMs);
    else if (readyWhen) await waitForUrl(readyWhen.url, timeoutMs, exited);
  } catch (error) {
    await stop('SIGKILL');
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`${command} did not become ready: ${reason}\n--- output ---\n${tail(output)}`);
  }
  return managed;
}

/** Stops every process started through {@link startProcess} that is still running; for afterAll. */
export async function stopAllProcesses(timeoutMs = 5000): Promise<void> {
  await Promise.all([...running].map((child) => child.stop('SIGTERM', timeoutMs)));
}
