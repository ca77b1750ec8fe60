import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_MODELS_DIR } from '@modelplane/demo-models';
import { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readGraphSignature } from './onnx-graph-io.ts';

const ORT_TYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  int16: 'INT16',
  int8: 'INT8',
  uint8: 'UINT8',
  bool: 'BOOL',
  string: 'BYTES',
};

const files = [
  ...readdirSync(DEMO_MODELS_DIR).filter((f) => f.endsWith('.onnx')),
  ...readdirSync(join(DEMO_MODELS_DIR, 'signatures'))
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => join('signatures', f)),
].map((f) => join(DEMO_MODELS_DIR, f));

/** Feeds the bytes in small, uneven chunks, as rows come out of the artifact table. */
async function* chunked(bytes: Uint8Array, size = 997): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('readGraphSignature', () => {
  it.each(files)('reads what ONNX Runtime reports for %s', async (file) => {
    const bytes = readFileSync(file);
    const session = await InferenceSession.create(bytes);
    const expected = (metas: readonly InferenceSession.ValueMetadata[]) =>
      metas.map((m) => ({
        name: m.name,
        datatype: m.isTensor ? ORT_TYPES[m.type] : undefined,
        shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) : undefined,
      }));
    const want = { inputs: expected(session.inputMetadata), outputs: expected(session.outputMetadata) };
    await session.release();
    expect(await readGraphSignature(chunked(bytes))).toEqual({ ok: true, signature: want });
  });

  it('refuses bytes that are not an ONNX model, and a truncated one, with a short reason', async () => {
    const garbage = new TextEncoder().encode('this is not a model at all, just text');
    expect(await readGraphSignature(chunked(garbage))).toMatchObject({ ok: false });
    const model = readFileSync(files[0] as string);
    const truncated = await readGraphSignature(chunked(model.subarray(0, model.length >> 1)));
    expect(truncated).toEqual({ ok: false, reason: 'the artifact is not a readable ONNX model' });
  });
});
