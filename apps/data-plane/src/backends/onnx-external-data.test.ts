import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, tempDir } from '../../test/backend-fixtures.ts';
import { addModel, constantNode, len, msg, weightTensor } from '../../test/onnx-encoder.ts';
import { findExternalTensor, MalformedModelError } from './onnx-external-data.ts';
import { OnnxRunner } from './onnx-runner.ts';

describe('findExternalTensor', () => {
  it.each(DEMO.map((m) => [m.file] as const))('finds nothing in the self-contained demo model %s', (file) => {
    expect(findExternalTensor(readFileSync(file))).toBeUndefined();
  });

  it('finds an initializer stored in an external file', () => {
    const model = addModel({ initializer: weightTensor('../../etc/passwd') });
    expect(findExternalTensor(model)).toBe('w');
  });

  it('finds external data inside a Constant node attribute', () => {
    const model = addModel({ graphExtras: [constantNode(weightTensor('weights.bin'))] });
    expect(findExternalTensor(model)).toBe('w');
  });

  it('finds external data inside a function body', () => {
    // FunctionProto keeps its nodes in field 7, where a graph uses field 1: re-tag the node.
    const node = retag(constantNode(weightTensor('weights.bin')), 7);
    const model = msg(addModel({ initializer: weightTensor() }), len(25, msg(len(1, 'f'), node)));
    expect(findExternalTensor(model)).toBe('w');
  });

  it('rejects truncated bytes as malformed', () => {
    const model = addModel({ initializer: weightTensor() });
    expect(() => findExternalTensor(model.subarray(0, model.length - 3))).toThrow(MalformedModelError);
  });
});

/** Moves a length-delimited field (single-byte key) to another field number. */
function retag(field: Uint8Array, no: number): Uint8Array {
  const out = Uint8Array.from(field);
  out[0] = no * 8 + 2;
  return out;
}

describe('OnnxRunner.load with external data (R4.8)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('external');
    await writeFile(join(dir.path, 'weights.bin'), Uint8Array.from([0, 0, 0x80, 0x3f]));
  });
  afterAll(() => dir.remove());

  async function load(model: Uint8Array) {
    const path = join(dir.path, `${createHash('sha256').update(model).digest('hex')}.onnx`);
    await writeFile(path, model);
    const sha256 = createHash('sha256').update(model).digest('hex');
    return OnnxRunner.load({ path, sha256, ref: 'evil@1' });
  }

  it('serves the same model with inline weights (the encoder is sound)', async () => {
    const runner = await load(addModel({ initializer: weightTensor() }));
    const [y] = await runner.infer([{ name: 'x', datatype: 'FP32', shape: [1], data: [2] }]);
    expect(y?.data).toEqual([3]);
    await runner.close();
  });

  it.each(['../../etc/passwd', '/etc/passwd', 'weights.bin'])(
    'refuses a model whose external_data.location is %s',
    async (location) => {
      await expect(load(addModel({ initializer: weightTensor(location) }))).rejects.toThrow(
        /evil@1: tensor 'w' keeps its data in an external file/,
      );
    },
  );
});
