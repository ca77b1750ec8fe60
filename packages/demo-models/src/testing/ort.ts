import * as ort from 'onnxruntime-node';
import type { DemoModelEntry } from '../manifest.ts';

/** One thread per session keeps test timings and results stable on the 2-core machine. */
export function openSession(entry: DemoModelEntry): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(entry.file, { intraOpNumThreads: 1 });
}

/** Runs a batch of feature rows through the model's single FP32 input. */
export async function runRows(
  session: ort.InferenceSession,
  rows: readonly ArrayLike<number>[],
): Promise<ort.InferenceSession.ReturnType> {
  const width = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    data.set(Array.from(r), i * width);
  });
  const input = session.inputNames[0] ?? 'features';
  return session.run({ [input]: new ort.Tensor('float32', data, [rows.length, width]) });
}

/** The named output tensor, failing the test clearly if the model did not return it. */
export function output(result: ort.InferenceSession.ReturnType, name: string): ort.Tensor {
  const t = result[name];
  if (!t) throw new Error(`model returned no output named ${name}`);
  return t;
}
