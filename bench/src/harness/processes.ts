import { fileURLToPath } from 'node:url';
import { type ManagedProcess, type StartProcessOptions, startProcess } from '@modelplane/testing';
import { pinnedCommand } from './cores.ts';

/** Absolute path of a file in this package's src/, for child processes run through tsx. */
export function benchFile(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** Absolute path of a file in the repository (bundled apps live under apps/<name>/dist). */
export function repoFile(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

/**
 * Node flags every server under measurement runs with, the data plane and the reference servers
 * alike: the ones the data plane's production command uses (README, docs/data-plane.md "Runtime
 * flags"). The product is measured as it is run, and the servers it is compared with get the same.
 */
export const SERVER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=32'];

const started = new Set<ManagedProcess>();

/**
 * Starts a process (pinned to `core` when given) and remembers it, so {@link stopStarted} can stop
 * it by its pid even when a scenario fails halfway.
 */
export async function launch(
  core: number | null,
  command: string,
  args: string[],
  options: StartProcessOptions = {},
): Promise<ManagedProcess> {
  const [cmd, argv] = pinnedCommand(core, command, args);
  const child = await startProcess(cmd, argv, options);
  started.add(child);
  void child.exited.then(() => started.delete(child));
  return child;
}

/**
 * `node <argv>` as one process, so its pid is the one that does the work; `wrap` runs node under
 * another command (valgrind), with that command's own arguments first.
 */
export function launchNode(
  core: number | null,
  argv: string[],
  { wrap = [], ...options }: StartProcessOptions & { wrap?: string[] } = {},
): Promise<ManagedProcess> {
  const [command, ...args] = [...wrap, process.execPath, ...argv] as [string, ...string[]];
  return launch(core, command, args, options);
}

/** `node --import tsx <src file>` (see {@link launchNode}). */
export function launchTs(
  core: number | null,
  relative: string,
  args: string[],
  { nodeArgs = [], ...options }: StartProcessOptions & { nodeArgs?: string[]; wrap?: string[] } = {},
): Promise<ManagedProcess> {
  return launchNode(core, [...nodeArgs, '--import', 'tsx', benchFile(relative), ...args], options);
}

/** Stops one process by its pid (SIGTERM, then SIGKILL after a grace period). */
export async function stopProcess(child: ManagedProcess | undefined): Promise<void> {
  if (!child) return;
  await child.stop('SIGTERM', 5000);
  started.delete(child);
}

/** Stops every process this run started that is still running. */
export async function stopStarted(): Promise<void> {
  await Promise.all([...started].map((child) => stopProcess(child)));
}
