import { describe, expect, it } from 'vitest';
import { jitSelfCosts, PerfMap } from './jit-names.ts';

// A perf map as node --perf-basic-prof writes it (V8's "perf basic prof" format: `START SIZE NAME`,
// hex, one code object per line), with the names V8 gives optimized (*) and baseline (^) code.
const MAP = `18c4680 aa0 Builtin:RecordWriteSaveFP
d29bb40 3c0 JS:*routeHandler /app/node_modules/fastify/lib/route.js:465:25
d2a0000 100 JS:^routeHandler /app/node_modules/fastify/lib/route.js:465:25
d2b0000 80 RegExp:^Bearer[ \\t]+(\\S{1,512})[ \\t]*$
d2c0000 40 JS:*old /app/main.js:1:1
d2c0000 60 JS:*encode /app/main.js:9:3
d2d0000 60 JS:* /app/main.js:4321:7
`;

describe('PerfMap', () => {
  const map = new PerfMap(MAP);

  it('names the code that holds an address, anywhere inside its range and nowhere past it', () => {
    expect(map.nameAt(0xd29bb40)).toBe('JS:*routeHandler /app/node_modules/fastify/lib/route.js:465:25');
    expect(map.nameAt(0xd29bb40 + 0x3bf)).toBe(
      'JS:*routeHandler /app/node_modules/fastify/lib/route.js:465:25',
    );
    expect(map.nameAt(0xd29bb40 + 0x3c0)).toBeUndefined();
    expect(map.nameAt(0x18c4680 + 0x10)).toBe('Builtin:RecordWriteSaveFP');
    expect(map.nameAt(0x1000)).toBeUndefined();
  });

  it('keeps the later of two entries at one address (code freed and its address reused)', () => {
    expect(map.nameAt(0xd2c0050)).toBe('JS:*encode /app/main.js:9:3');
  });
});

describe('jitSelfCosts', () => {
  it('names the address-named functions of a count, summing the tiers of one function', () => {
    const selfCosts = new Map([
      ['0x000000000d29bb40', 700],
      ['0x000000000d2a0010', 50],
      ['0x000000000d2b0000', 300],
      ['0x000000000001ab70', 999],
      ['0x000000000d2d0008', 40],
      ['Builtins_KeyedLoadIC_Megamorphic', 4000],
    ]);
    expect(jitSelfCosts(selfCosts, new PerfMap(MAP))).toEqual(
      new Map([
        ['routeHandler /app/node_modules/fastify/lib/route.js:465:25', 750],
        ['RegExp:^Bearer[ \\t]+(\\S{1,512})[ \\t]*$', 300],
        ['(anonymous) /app/main.js:4321:7', 40],
      ]),
    );
  });
});
