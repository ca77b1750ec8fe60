import type { ParseArgsConfig } from 'node:util';
import type { ControlPlaneClient } from '@modelplane/client';
import type { Artifact } from '@modelplane/schemas';
import type { Output } from './output.ts';

/** Flag definitions in `node:util` parseArgs form (@types/node does not export the type by name). */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Flag values as `node:util` parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** What a command gets besides its own arguments. */
export interface CommandContext {
  /** The control-plane client; created on first use, so `--help` and usage errors need no token. */
  client(): Promise<ControlPlaneClient>;
  output: Output;
  /** Uploads a local model file to the control plane; returns the artifact to register. */
  uploadArtifact(path: string): Promise<Artifact>;
  /** Relative paths in flags (`--file`, `--input-schema`) resolve against this. */
  cwd: string;
}

/** One leaf command such as `traffic canary`. */
export interface Command {
  name: string;
  /** Other names that run it (`rollouts status` for `rollouts show`). */
  aliases?: string[];
  /** Arguments and flags after `modelplane <group> <name>`, for help text. */
  usage: string;
  summary: string;
  /** Extra help lines (flag descriptions, examples). */
  details?: string[];
  options?: OptionsConfig;
  /** Names of the required positional arguments, in order. */
  args?: string[];
  run(ctx: CommandContext, args: string[], flags: FlagValues): Promise<void>;
}

/** A command group (`models`, `traffic`, ...), one per file in src/commands/. */
export interface CommandGroup {
  name: string;
  /** Other names for the group (`rollout` for `rollouts`). */
  aliases?: string[];
  summary: string;
  commands: Command[];
  /** Runs when the group is called without a subcommand (`modelplane audit`). */
  defaultCommand?: string;
}

/** A flag's string value, or undefined when absent. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** Whether a boolean flag was given. */
export function booleanFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

/** Whether `name` is the command's or group's name or one of its aliases. */
export function isNamed(item: { name: string; aliases?: string[] }, name: string | undefined): boolean {
  return name !== undefined && (item.name === name || (item.aliases?.includes(name) ?? false));
}
