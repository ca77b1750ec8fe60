import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { int, len, msg, varint } from './onnx-encoder.ts';

// A model of real size, written to disk without ever being held in memory: `y = Gather(w, idx)`
// over one FP32 initializer `w` of `elements` values, w[i] = i % 1000 (exact in float32), so any
// index's output is known without running the model. Field numbers are from onnx/onnx.proto3.

const FLOAT = 1;
const INT64 = 7;
const BLOCK = 256 * 1024;

/** `w[i]`, the reference value for index `i`. */
export function largeModelValue(index: number): number {
  return index % 1000;
}

function valueInfo(name: string, elemType: number): Uint8Array {
  const shape = msg(len(1, msg(len(2, 'n'))));
  return msg(len(1, name), len(2, msg(len(1, msg(int(1, elemType), len(2, shape))))));
}

/**
 * Writes the model to `path` and returns its size and sha256 (hashed as written). Input `idx`
 * INT64 [n], output `y` FP32 [n].
 */
export async function writeLargeModel(
  path: string,
  elements: number,
): Promise<{ sizeBytes: number; sha256: string }> {
  const rawBytes = elements * 4;
  const tensorHead = msg(int(1, elements), int(2, FLOAT), len(8, 'w'), varint(9 * 8 + 2), varint(rawBytes));
  const tensorBytes = tensorHead.length + rawBytes;
  const graphHead = msg(
    len(1, msg(len(1, 'w'), len(1, 'idx'), len(2, 'y'), len(4, 'Gather'))),
    len(2, 'large'),
    varint(5 * 8 + 2),
    varint(tensorBytes),
    tensorHead,
  );
  const graphTail = msg(len(11, valueInfo('idx', INT64)), len(12, valueInfo('y', FLOAT)));
  const graphBytes = graphHead.length + rawBytes + graphTail.length;
  const modelHead = msg(int(1, 8), len(8, msg(int(2, 17))), varint(7 * 8 + 2), varint(graphBytes));

  const out = createWriteStream(path, { flags: 'wx' });
  const hash = createHash('sha256');
  let size = 0;
  const write = async (bytes: Uint8Array) => {
    hash.update(bytes);
    size += bytes.length;
    if (!out.write(bytes)) await once(out, 'drain');
  };
  await write(modelHead);
  await write(graphHead);
  for (let start = 0; start < elements; start += BLOCK) {
    const count = Math.min(BLOCK, elements - start);
    const block = new Float32Array(count);
    for (let i = 0; i < count; i++) block[i] = largeModelValue(start + i);
    // Little-endian on every platform Node runs on here (x64, arm64), as ONNX raw_data requires.
    await write(new Uint8Array(block.buffer));
  }
  await write(graphTail);
  out.end();
  await once(out, 'finish');
  return { sizeBytes: size, sha256: hash.digest('hex') };
}
