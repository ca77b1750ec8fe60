import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { int, len, msg } from './onnx-encoder.ts';

const FLOAT = 1;
const INT64 = 7;

function dim(value: number | string): Uint8Array {
  return len(1, typeof value === 'number' ? int(1, value) : len(2, value));
}

function valueInfo(name: string, dims: Array<number | string>): Uint8Array {
  const tensorType = msg(int(1, FLOAT), len(2, msg(...dims.map(dim))));
  return msg(len(1, name), len(2, msg(len(1, tensorType))));
}

/**
 * `y = Reshape(x, [1, 8])` over x: float[batch, 8]. It loads and runs for one row, and fails inside
 * onnxruntime for any larger batch: a real inference failure, not one the request codecs can foresee.
 */
export async function writeBatchOneModel(path: string): Promise<{ path: string; sha256: string }> {
  const shapeBytes = new Uint8Array(16);
  const view = new DataView(shapeBytes.buffer);
  view.setBigInt64(0, 1n, true);
  view.setBigInt64(8, 8n, true);
  const initializer = msg(int(1, 2), int(2, INT64), len(8, 'shape'), len(9, shapeBytes));
  const node = msg(len(1, 'x'), len(1, 'shape'), len(2, 'y'), len(4, 'Reshape'));
  const graph = msg(
    len(1, node),
    len(2, 'batch-one'),
    len(5, initializer),
    len(11, valueInfo('x', ['batch', 8])),
    len(12, valueInfo('y', [1, 8])),
  );
  const bytes = msg(int(1, 8), len(7, graph), len(8, msg(int(2, 17))));
  await writeFile(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}
