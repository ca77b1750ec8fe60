import { describe, expect, it } from 'vitest';
import { BatchBuffer } from './batch-buffer.ts';

// The writer here is a stand-in with the two behaviours a database has: refusing a batch for a
// row's content (poison: splitting helps), or being away (transient: the batch waits as it is).

class Refused extends Error {
  readonly poison = true;
}

const silent = { info() {}, warn() {} };

function buffer(
  write: (batch: number[]) => Promise<void>,
  options: Partial<ConstructorParameters<typeof BatchBuffer<number>>[0]> = {},
) {
  return new BatchBuffer<number>({
    name: 'test',
    maxRows: 1000,
    maxBytes: 1_000_000,
    sizeOf: () => 10,
    whenFull: 'drop-oldest',
    batchRows: 1000,
    flushIntervalMs: 60_000,
    write,
    isPoison: (error) => error instanceof Refused,
    logger: silent,
    maxBackoffMs: 1,
    ...options,
  });
}

/** A writer whose every write takes 20 ms, as a COPY and its commit do: rows keep arriving meanwhile. */
function slowWriter(batches: number[][]) {
  return async (batch: number[]) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    batches.push(batch);
  };
}

describe('BatchBuffer with rows the database refuses', () => {
  it('writes every good row of a batch once and quarantines each bad one', async () => {
    const bad = new Set([3, 17, 18, 99]);
    const stored: number[] = [];
    const log = buffer(async (batch) => {
      if (batch.some((n) => bad.has(n))) throw new Refused('invalid input syntax for type json');
      stored.push(...batch);
    });
    for (let n = 0; n < 100; n++) log.push(n);
    await log.flush();
    expect(stored.sort((a, b) => a - b)).toEqual([...Array(100).keys()].filter((n) => !bad.has(n)));
    expect(log.stats).toMatchObject({ written: 96, quarantined: 4, bufferedRows: 0, bufferedBytes: 0 });
    await log.close(0);
  });

  it('keeps a batch whole, in order, while the database is away', async () => {
    let away = true;
    const stored: number[] = [];
    const log = buffer(async (batch) => {
      if (away) throw new Error('connect ECONNREFUSED');
      stored.push(...batch);
    });
    for (let n = 0; n < 10; n++) log.push(n);
    await log.flush();
    expect(log.stats).toMatchObject({ written: 0, quarantined: 0, failures: 1, bufferedRows: 10 });
    away = false;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await log.flush();
    expect(stored).toEqual([...Array(10).keys()]);
    await log.close(0);
  });

  it('puts back what a split left unwritten when the database goes away during it', async () => {
    const stored: number[] = [];
    let calls = 0;
    const log = buffer(async (batch) => {
      calls += 1;
      // The whole batch is refused (row 6), its first half is written, then the connection drops.
      if (calls === 3) throw new Error('Connection terminated unexpectedly');
      if (batch.includes(6)) throw new Refused('bad row');
      stored.push(...batch);
    });
    for (let n = 0; n < 8; n++) log.push(n);
    await log.flush();
    expect(stored).toEqual([0, 1, 2, 3]);
    expect(log.stats).toMatchObject({ written: 4, quarantined: 0, bufferedRows: 4, failures: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await log.flush();
    expect(stored).toEqual([0, 1, 2, 3, 4, 5, 7]);
    expect(log.stats).toMatchObject({ written: 7, quarantined: 1, bufferedRows: 0 });
    await log.close(0);
  });
});

describe('BatchBuffer under steady load', () => {
  it('writes a few large batches per interval, not a stream of small ones, and loses no row', async () => {
    const batches: number[][] = [];
    const log = buffer(slowWriter(batches), {
      maxRows: 100_000,
      maxBytes: 10_000_000,
      batchRows: 10_000,
      flushIntervalMs: 200,
    });
    let next = 0;
    const started = Date.now();
    while (Date.now() - started < 1000) {
      for (let i = 0; i < 5; i++) log.push(next++);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await log.close(5000);
    expect(batches.flat()).toEqual([...Array(next).keys()]);
    // One batch per 200 ms tick (and the rest at close); draining whatever arrived during each
    // write would have made dozens of batches of a few rows each.
    expect(batches.length).toBeLessThanOrEqual(8);
  });

  it('writes each batch as soon as it fills, without waiting for the interval, while more rows arrive', async () => {
    const batches: number[][] = [];
    // The interval is a minute: only a filled batch can be written within this test.
    const log = buffer(slowWriter(batches), { maxRows: 10_000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 2500; i++) log.push(i);
    const deadline = Date.now() + 2000;
    while (batches.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000]);
    expect(log.stats.bufferedRows).toBe(500);
    await log.close(1000);
    expect(batches.flat()).toEqual([...Array(2500).keys()]);
  });
});

describe('BatchBuffer releasing what it held', () => {
  it('releases every item exactly once, however it leaves: written, quarantined, dropped, refused or left at close', async () => {
    const released: number[] = [];
    let away = false;
    const log = buffer(
      async (batch) => {
        if (away) throw new Error('connect ECONNREFUSED');
        if (batch.includes(7)) throw new Refused('invalid input syntax for type json');
      },
      { maxRows: 20, batchRows: 10, release: (n) => released.push(n) },
    );
    for (let n = 0; n < 10; n++) log.push(n);
    await log.flush(); // 0-9 written but 7, quarantined
    expect(released.sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    away = true;
    for (let n = 10; n < 35; n++) log.push(n); // 20 held: 10-14 dropped, oldest first
    expect(released.filter((n) => n >= 10)).toEqual([10, 11, 12, 13, 14]);
    await log.close(0); // the database is away: 15-34 are left and dropped at close
    log.push(99); // refused after close
    expect(released.sort((a, b) => a - b)).toEqual([...Array(35).keys(), 99]);
    expect(log.stats).toMatchObject({ written: 9, quarantined: 1, bufferedRows: 0, bufferedBytes: 0 });
  });
});
