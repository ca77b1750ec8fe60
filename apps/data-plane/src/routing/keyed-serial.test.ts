import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedSerial } from './keyed-serial.ts';

describe('KeyedSerial', () => {
  it('collapses requests made during a run into one rerun, and runs keys independently', async () => {
    const serial = new KeyedSerial();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const task = (key: string) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      log.push(`start ${key}`);
      await sleep(20);
      active--;
    };
    const first = serial.run('a', task('a'));
    await sleep(5);
    const joined = [serial.run('a', task('a')), serial.run('a', task('a')), serial.run('a', task('a'))];
    const other = serial.run('b', task('b'));
    await Promise.all([first, ...joined, other]);
    expect(log.filter((l) => l === 'start a')).toHaveLength(2);
    expect(log.filter((l) => l === 'start b')).toHaveLength(1);
    expect(maxActive).toBe(2);
  });

  it('keeps going after a task throws', async () => {
    const serial = new KeyedSerial();
    let runs = 0;
    await serial.run('k', async () => {
      runs++;
      throw new Error('boom');
    });
    await serial.run('k', async () => {
      runs++;
    });
    expect(runs).toBe(2);
  });
});
