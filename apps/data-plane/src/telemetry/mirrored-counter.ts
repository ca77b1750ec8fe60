import { Counter, type Registry } from 'prom-client';

/** A counter whose value is read from elsewhere at scrape time. */
export function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | undefined,
): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      this.reset();
      if (value !== undefined) this.inc(value);
    },
  });
}
