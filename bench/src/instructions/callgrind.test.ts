import { describe, expect, it } from 'vitest';
import { callgrindTotal } from './callgrind.ts';

// The end of a callgrind output file as valgrind 3.19 writes it (format: valgrind's callgrind
// manual, "Callgrind Format Specification"), and as older versions did with `summary:`.
const DUMP = `version: 1
creator: callgrind-3.19.0
pid: 12247
cmd:  /usr/bin/node main.js
part: 1

positions: line
events: Ir
summary: 967695058

ob=(1) /usr/lib/x86_64-linux-gnu/libc.so.6
fl=(1) ???
fn=(1) 0x0000000000027249
0 17

totals: 967695058
`;

describe('callgrindTotal', () => {
  it("reads the instruction count from a dump's totals line", () => {
    expect(callgrindTotal(DUMP)).toBe(967_695_058);
  });

  it('reads the summary line when there is no totals line', () => {
    expect(callgrindTotal('events: Ir\nsummary: 4200\n')).toBe(4200);
  });

  it('refuses a file with neither', () => {
    expect(() => callgrindTotal('events: Ir\n')).toThrow(/no totals/);
  });
});
