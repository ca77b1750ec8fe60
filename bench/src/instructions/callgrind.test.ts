import { describe, expect, it } from 'vitest';
import { callgrindCompilerCost, callgrindSelfCosts, callgrindTotal } from './callgrind.ts';

// A callgrind output file in the form valgrind 3.19 writes (valgrind's manual, "Callgrind Format
// Specification"): names compressed as `fn=(id) name` on first use and `fn=(id)` after, callees
// named on `cfn=` lines, a `calls=` line followed by the call's inclusive cost.
const DUMP = `version: 1
creator: callgrind-3.19.0
pid: 12247
cmd:  /usr/bin/node main.js
part: 1

positions: line
events: Ir
summary: 1000

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) v8::internal::compiler::GraphReducer::ReduceTop()
0 300
cfn=(2) v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*)
calls=4 0
0 200
+1 50

fn=(2)
0 200
cfn=(3) Builtins_StringAdd_CheckNone
calls=1 0
0 999

fn=(3)
0 120
fn=(4) v8::internal::JsonParser<unsigned char>::ParseJson()
* 130

totals: 1000
`;

describe('callgrindTotal', () => {
  it("reads the instruction count from a dump's totals line", () => {
    expect(callgrindTotal(DUMP)).toBe(1000);
  });

  it('reads the summary line when there is no totals line', () => {
    expect(callgrindTotal('events: Ir\nsummary: 4200\n')).toBe(4200);
  });

  it('refuses a file with neither', () => {
    expect(() => callgrindTotal('events: Ir\n')).toThrow(/no totals/);
  });
});

describe('callgrindCompilerCost', () => {
  it("sums the compiler functions' own costs, names resolved through the compression, calls left out", () => {
    // ReduceTop 300 + 50 and Reduce 200 (named on a cfn= line); the 200 and 999 after `calls=`
    // are inclusive call costs; StringAdd (120) and ParseJson (130) are not the compiler's.
    expect(callgrindCompilerCost(DUMP)).toBe(550);
  });
});

describe('callgrindSelfCosts', () => {
  it("gives each function its own cost, named through the compression, calls' costs left to the callees", () => {
    expect(callgrindSelfCosts(DUMP)).toEqual(
      new Map([
        ['v8::internal::compiler::GraphReducer::ReduceTop()', 350],
        ['v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*)', 200],
        ['Builtins_StringAdd_CheckNone', 120],
        ['v8::internal::JsonParser<unsigned char>::ParseJson()', 130],
      ]),
    );
  });
});
