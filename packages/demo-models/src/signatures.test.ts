import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSignatureModels, loadSignatureModels, signatureModel } from './signatures/manifest.ts';
import { TOKENS_VOCABULARY } from './signatures/tokens.ts';
import type { SignatureTensor } from './signatures/types.ts';

const models = loadSignatureModels();
const DATATYPE_BY_ORT: Record<string, SignatureTensor['datatype']> = {
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
const sessions: ort.InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

async function open(name: Parameters<typeof signatureModel>[0]): Promise<ort.InferenceSession> {
  const session = await ort.InferenceSession.create(signatureModel(name).file, { intraOpNumThreads: 1 });
  sessions.push(session);
  return session;
}

function specs(meta: readonly ort.InferenceSession.ValueMetadata[]): SignatureTensor[] {
  return meta.map((m) => {
    if (!m.isTensor) throw new Error(`${m.name} is not a tensor`);
    const shape = m.shape.map((d) => (typeof d === 'string' ? -1 : d));
    return { name: m.name, datatype: DATATYPE_BY_ORT[m.type] ?? (m.type as never), shape };
  });
}

describe('signature models', () => {
  it('lists the signatures the serving tests rely on', () => {
    expect(models.map((m) => `${m.model}@${m.version}`)).toEqual([
      'mixed@1.0.0',
      'stateful@1.0.0',
      'dtypes@1.0.0',
      'tokens@1.0.0',
    ]);
  });

  it('is deterministic: a second build writes the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signature-models-'));
    try {
      expect(buildSignatureModels(dir).map((m) => m.sha256)).toEqual(models.map((m) => m.sha256));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(models.map((m) => [m.model, m] as const))(
    '%s: onnxruntime loads it with the declared signature and digest',
    async (name, entry) => {
      expect(createHash('sha256').update(readFileSync(entry.file)).digest('hex')).toBe(entry.sha256);
      const session = await open(name);
      expect(specs(session.inputMetadata)).toEqual(entry.inputs);
      expect(specs(session.outputMetadata)).toEqual(entry.outputs);
    },
  );

  it('mixed: y = mask ? x * count : 0, total = sum(y)', async () => {
    const session = await open('mixed');
    const x = [1.5, -2, 3, 0.25, 4, 5, -6, 7];
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from(x), [2, 4]),
      count: new ort.Tensor('int64', BigInt64Array.from([2n, -1n]), [2, 1]),
      mask: new ort.Tensor('bool', Uint8Array.from([1, 0, 1, 1, 0, 1, 1, 0]), [2, 4]),
    });
    const y = [3, 0, 6, 0.5, 0, -5, 6, 0];
    expect(Array.from(out.y?.data as Float32Array)).toEqual(y);
    expect(out.total?.dims).toEqual([]);
    expect(out.total?.data[0]).toBeCloseTo(
      y.reduce((a, b) => a + b),
      5,
    );
  });

  it('stateful: a fresh state and the returned one give different outputs; stateN keeps its [2, batch, 3] shape', async () => {
    const session = await open('stateful');
    const feeds = (state: Float32Array) => ({
      input: new ort.Tensor('float32', Float32Array.from([0.1, 0.2, 0.3, 0.4]), [1, 4]),
      state: new ort.Tensor('float32', state, [2, 1, 3]),
      sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
    });
    const first = await session.run(feeds(new Float32Array(6)));
    expect(first.stateN?.dims).toEqual([2, 1, 3]);
    const second = await session.run(feeds(first.stateN?.data as Float32Array));
    expect(second.output?.data[0]).not.toBeCloseTo(first.output?.data[0] as number, 6);
  });

  it('dtypes: sum adds every datatype as float64 and the typed outputs keep their types', async () => {
    const session = await open('dtypes');
    const out = await session.run({
      u8: new ort.Tensor('uint8', Uint8Array.from([255, 0]), [1, 2]),
      i8: new ort.Tensor('int8', Int8Array.from([-128, 127]), [1, 2]),
      i16: new ort.Tensor('int16', Int16Array.from([-300, 300]), [1, 2]),
      i32: new ort.Tensor('int32', Int32Array.from([-70000, 5]), [1, 2]),
      flag: new ort.Tensor('bool', Uint8Array.from([1, 0]), [1, 2]),
      f64: new ort.Tensor('float64', Float64Array.from([0.125, -2.5]), [1, 2]),
    });
    expect(Array.from(out.sum?.data as Float64Array)).toEqual([
      255 - 128 - 300 - 70000 + 1 + 0.125,
      0 + 127 + 300 + 5 + 0 - 2.5,
    ]);
    expect(Array.from(out.flag_not?.data as Uint8Array)).toEqual([0, 1]);
    expect(Array.from(out.i32_abs?.data as Int32Array)).toEqual([70000, 5]);
    expect(out.i8_echo?.type).toBe('int8');
  });

  it('tokens: maps words to vocabulary ids, -1 when unknown, and echoes the strings', async () => {
    const session = await open('tokens');
    const words = ['blue', 'nope', 'red', '', 'yellow', 'Ünïcode'];
    const out = await session.run({ words: new ort.Tensor('string', words, [2, 3]) });
    expect(Array.from(out.ids?.data as BigInt64Array, Number)).toEqual(
      words.map((w) => TOKENS_VOCABULARY.indexOf(w)),
    );
    expect(out.words_echo?.data).toEqual(words);
  });
});
