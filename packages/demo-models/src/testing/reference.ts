// Plain-TypeScript forward passes for the tests: they read the weights back out of a model file and
// compute in float64, so onnxruntime is checked against arithmetic that shares no code with the graph.
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

/** A float initializer read back from a model file. */
export interface Weights {
  dims: number[];
  data: Float32Array;
}

/** Every FP32 initializer of a model file, by name. */
export function readWeights(file: string): Map<string, Weights> {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(file));
  const out = new Map<string, Weights>();
  for (const t of model.graph?.initializer ?? []) {
    const raw = t.rawData;
    if (t.dataType !== 1 || !raw || !t.name) continue;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const data = Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    out.set(t.name, { dims: (t.dims ?? []).map((d) => Number(d.toString())), data });
  }
  return out;
}

/** y = x Wᵀ + b for each row, W being [out, in]. */
export function dense(rows: readonly ArrayLike<number>[], w: Weights, b: Weights): number[][] {
  const [outs = 0, ins = 0] = w.dims;
  return rows.map((x) =>
    Array.from({ length: outs }, (_, o) => {
      let s = b.data[o] ?? 0;
      for (let i = 0; i < ins; i++) s += (w.data[o * ins + i] ?? 0) * (x[i] ?? 0);
      return s;
    }),
  );
}

export function relu(rows: number[][]): number[][] {
  return rows.map((r) => r.map((v) => Math.max(0, v)));
}

export function softmax(rows: number[][]): number[][] {
  return rows.map((r) => {
    const max = Math.max(...r);
    const e = r.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / sum);
  });
}

export function sigmoid(rows: number[][]): number[][] {
  return rows.map((r) => r.map((v) => 1 / (1 + Math.exp(-v))));
}

/** Column indices sorted by descending value. */
export function argsortDesc(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, i) => i).sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0));
}

/** Splits a flat row-major tensor into rows of `width`. */
export function toRows(data: ArrayLike<number | bigint>, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, r) =>
    Array.from({ length: width }, (_, c) => Number(data[r * width + c])),
  );
}
