import { describe, expect, it } from 'vitest';
import { InFlightList } from './in-flight-list.ts';

describe('InFlightList', () => {
  it('holds what was added and not removed, from the head, the middle and the tail', () => {
    const list = new InFlightList<string>();
    const a = list.add('a');
    list.add('b');
    const c = list.add('c');
    list.add('d');
    const e = list.add('e');
    expect(list.size).toBe(5);
    expect(list.values()).toEqual(['e', 'd', 'c', 'b', 'a']);
    list.remove(c);
    list.remove(e);
    list.remove(a);
    expect(list.values()).toEqual(['d', 'b']);
    expect(list.size).toBe(2);
    list.add('f');
    expect(list.values()).toEqual(['f', 'd', 'b']);
  });

  it('ignores a second removal of the same entry', () => {
    const list = new InFlightList<number>();
    const one = list.add(1);
    list.add(2);
    list.remove(one);
    list.remove(one);
    expect(list.size).toBe(1);
    expect(list.values()).toEqual([2]);
  });

  it('lets go of the value and its neighbours once removed', () => {
    const list = new InFlightList<object>();
    list.add({});
    const middle = list.add({});
    list.add({});
    list.remove(middle);
    expect(middle).toEqual({ value: null, prev: null, next: null });
  });

  it('empties and fills again', () => {
    const list = new InFlightList<number>();
    const entries = Array.from({ length: 1000 }, (_, i) => list.add(i));
    for (const entry of entries) list.remove(entry);
    expect(list.size).toBe(0);
    expect(list.values()).toEqual([]);
    list.add(7);
    expect(list.values()).toEqual([7]);
  });
});
