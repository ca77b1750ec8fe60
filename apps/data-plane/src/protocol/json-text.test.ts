import { describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import { nestedJson } from './json-text.ts';
import { encodeColumnar, encodePredictions, predictionsJson } from './tfserving-tensors.ts';

// JSON.stringify of the nested values (what encodePredictions builds) is the reference: the text
// written straight from the tensors must be the same, byte for byte.

const NUMBERS = [
  0,
  -0,
  1.5,
  -2,
  1e21,
  1e-7,
  0.1 + 0.2,
  Math.fround(0.3),
  Number.NaN,
  Infinity,
  -Infinity,
  2 ** 53,
];
const STRINGS = ['a', '', 'quote " and \\ backslash', 'line\nbreak', '\u0000', 'é', '\ud800'];

function tensor(name: string, shape: number[], pick: (i: number) => number | string | boolean): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: count }, (_, i) => pick(i));
  const datatype = typeof data[0] === 'string' ? 'BYTES' : typeof data[0] === 'boolean' ? 'BOOL' : 'FP64';
  return { name, datatype, shape, data } as Tensor;
}

const number = (i: number) => NUMBERS[i % NUMBERS.length] as number;
const text = (i: number) => STRINGS[i % STRINGS.length] as string;
const bool = (i: number) => i % 3 === 0;

describe('tensor values as JSON text', () => {
  it.each([
    ['one output, a vector per row', [tensor('scores', [3, 4], number)], 3],
    ['one output, a scalar per row', [tensor('p', [5], number)], 5],
    ['one output, a matrix per row', [tensor('m', [2, 3, 2], number)], 2],
    [
      'several outputs of every kind',
      [tensor('scores', [2, 3], number), tensor('labels', [2], text), tensor('flags', [2, 2], bool)],
      2,
    ],
    ['names JSON must escape', [tensor('a"b', [1, 2], number), tensor('__proto__', [1], number)], 1],
    [
      'names that are array indexes',
      [tensor('1', [2, 2], number), tensor('0', [2], number), tensor('x', [2], number)],
      2,
    ],
    ['an empty inner dimension', [tensor('e', [2, 0], number)], 2],
  ] as const)('%s: the same text as JSON.stringify', (_name, outputs, batch) => {
    expect(predictionsJson(outputs, batch)).toBe(JSON.stringify(encodePredictions(outputs, batch)));
  });

  it('writes any shape the way nested lists are written', () => {
    for (const shape of [[], [0], [7], [2, 3], [2, 1, 3], [1, 2, 2, 2]]) {
      const t = tensor('t', shape, number);
      expect(nestedJson(t.data, t.shape)).toBe(JSON.stringify(encodeColumnar([t])));
    }
  });

  it('refuses outputs not batched like the rows, naming the output', () => {
    expect(() => predictionsJson([tensor('scores', [2, 3], number)], 3)).toThrow(
      /output "scores" has shape \[2, 3\]/,
    );
  });
});
