/** One compiled function in V8's perf map: where its code lies, and what it is. */
interface PerfMapEntry {
  start: number;
  end: number;
  name: string;
}

/**
 * A map from code addresses to the JavaScript functions (and regular expressions, and builtins)
 * V8 compiled there, read from the `/tmp/perf-<pid>.map` that `node --perf-basic-prof` writes:
 * one line per code object, `START SIZE NAME` with the two numbers in hex. Code can be freed and
 * its address reused; the later line wins.
 */
export class PerfMap {
  readonly #entries: PerfMapEntry[];

  constructor(text: string) {
    const byStart = new Map<number, PerfMapEntry>();
    for (const line of text.split('\n')) {
      const match = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/i.exec(line);
      if (!match) continue;
      const start = Number.parseInt(match[1] as string, 16);
      byStart.set(start, {
        start,
        end: start + Number.parseInt(match[2] as string, 16),
        name: match[3] as string,
      });
    }
    this.#entries = [...byStart.values()].sort((a, b) => a.start - b.start);
  }

  /** The name of the code that holds `address`, or undefined when no entry covers it. */
  nameAt(address: number): string | undefined {
    let low = 0;
    let high = this.#entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const entry = this.#entries[middle] as PerfMapEntry;
      if (address < entry.start) high = middle - 1;
      else if (address >= entry.end) low = middle + 1;
      else return entry.name;
    }
    return undefined;
  }
}

/** Callgrind's name for code no symbol covers: its start address. */
const ADDRESS_NAME = /^0x([0-9a-f]+)$/i;

/**
 * The self costs of JIT-compiled code, by the name V8 gave it: callgrind names such code only by
 * its address, which the perf map resolves. Functions compiled more than once (each tier, or again
 * after a deoptimization) are summed under one name without the tier mark (`*` optimized, `^`
 * baseline, `~` interpreted); an anonymous one is named `(anonymous)` and its place. Addresses
 * the map does not cover are left out.
 */
export function jitSelfCosts(selfCosts: ReadonlyMap<string, number>, perfMap: PerfMap): Map<string, number> {
  const costs = new Map<string, number>();
  for (const [name, self] of selfCosts) {
    const address = ADDRESS_NAME.exec(name);
    if (!address) continue;
    const jitName = perfMap.nameAt(Number.parseInt(address[1] as string, 16));
    if (jitName === undefined) continue;
    // An anonymous function's name is empty: only its place follows.
    const plain = jitName.replace(/^JS:[*^~+]?/, '').replace(/^ /, '(anonymous) ');
    costs.set(plain, (costs.get(plain) ?? 0) + self);
  }
  return costs;
}
