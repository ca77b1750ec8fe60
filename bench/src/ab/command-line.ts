// What `pnpm bench:ab` and `pnpm bench:instructions` read from their command lines alike: the load,
// whole-number options and `--variant` specs.
import { repoFile } from '../harness/processes.ts';
import { parseVariant, type Variant } from './variants.ts';

/** The loads a build can be measured on: which model, and whether the bodies repeat. */
export const LOADS = {
  inference: { model: 'recs', pool: false, what: 'recs, cache off, every input new' },
  hit: { model: 'recs-cached', pool: true, what: 'recs, cache on, 64 inputs repeated (hits)' },
  miss: { model: 'recs-cached', pool: false, what: 'recs, cache on, every input new (misses)' },
} as const;
export type LoadName = keyof typeof LOADS;

/** Reads a command's options; every mistake ends it with status 2 and `<command>: <what is wrong>`. */
export class CommandLine {
  constructor(private readonly command: string) {}

  fail(message: string): never {
    console.error(`${this.command}: ${message}`);
    process.exit(2);
  }

  /** `--load`, one of `names`. */
  load(value: string, names: readonly LoadName[]): (typeof LOADS)[LoadName] {
    return names.includes(value as LoadName)
      ? LOADS[value as LoadName]
      : this.fail(`--load must be one of ${names.join(', ')}`);
  }

  /** `--name`, a whole number of at least `min`. */
  count(name: string, text: string, min: number): number {
    const n = Number(text);
    return Number.isInteger(n) && n >= min ? n : this.fail(`--${name} must be a whole number ≥ ${min}`);
  }

  /** Every `--variant name=path/to/main.js[,KEY=VALUE...]`, names distinct. */
  variants(specs: readonly string[] | undefined): Variant[] {
    const variants = (specs ?? []).map((spec) => {
      try {
        return parseVariant(spec, repoFile(''));
      } catch (error) {
        return this.fail((error as Error).message);
      }
    });
    if (new Set(variants.map((v) => v.name)).size !== variants.length) this.fail('variant names must differ');
    return variants;
  }

  /** Ends the command when no server was asked for. */
  requireSome(variants: readonly Variant[], others = false): void {
    if (variants.length === 0 && !others)
      this.fail('give at least one --variant name=path/to/main.js[,KEY=VALUE...]');
  }
}
