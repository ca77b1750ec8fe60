import { pathToFileURL } from 'node:url';
import { type SignatureModelEntry, signatureModel, TOKENS_VOCABULARY } from '@modelplane/demo-models';
import { waitFor } from '@modelplane/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replica, Stack } from './stack.ts';
import { startStack } from './stack.ts';

// The tensor signatures real models have, served on both protocols and compared with a direct
// onnxruntime-node run of the same file (the reference shares no code with the serving path).
const MODELS = ['mixed', 'stateful', 'dtypes', 'tokens'] as const;
const entries = Object.fromEntries(MODELS.map((m) => [m, signatureModel(m)])) as Record<
  (typeof MODELS)[number],
  SignatureModelEntry
>;

const WORKERS = '1.0.0-workers';

let stack: Stack;
let replica: Replica;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  for (const name of MODELS) {
    const entry = entries[name];
    await admin.models.create.mutate({ name });
    await admin.versions.register.mutate({
      model: name,
      version: entry.version,
      backend: { kind: 'onnx' },
      artifact: { uri: pathToFileURL(entry.file).href, sha256: entry.sha256 },
    });
    await admin.traffic.set.mutate({ model: name, weights: [{ version: entry.version, weight: 10000 }] });
    // The same file run in a worker thread: tensors cross a thread boundary there.
    await admin.versions.register.mutate({
      model: name,
      version: WORKERS,
      backend: { kind: 'onnx' },
      artifact: { uri: pathToFileURL(entry.file).href, sha256: entry.sha256 },
      servingOptions: { workerThreads: 1 },
    });
  }
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica();
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

async function call(path: string, body?: unknown) {
  const response = await fetch(`${replica.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: each test asserts the parts of the body it cares about.
  return { status: response.status, body: (await response.json()) as any };
}

/** The same file run directly through onnxruntime-node: outputs as plain JSON-able arrays. */
async function direct(
  entry: SignatureModelEntry,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, { dims: number[]; data: unknown[] }>> {
  const session = await ort.InferenceSession.create(entry.file, { intraOpNumThreads: 1 });
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(out).map(([name, t]) => {
        const data =
          t.type === 'int64'
            ? Array.from(t.data as BigInt64Array, Number)
            : t.type === 'bool'
              ? Array.from(t.data as Uint8Array, (v) => v !== 0)
              : Array.from(t.data as ArrayLike<unknown>);
        return [name, { dims: [...t.dims], data }];
      }),
    );
  } finally {
    await session.release();
  }
}

function expectClose(actual: unknown, expected: unknown[], tolerance = 1e-6): void {
  const got = (Array.isArray(actual) ? actual.flat(Number.POSITIVE_INFINITY) : [actual]) as number[];
  expect(got).toHaveLength(expected.length);
  for (const [i, v] of got.entries())
    expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(tolerance);
}

interface OipOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** OIP output by name. */
function output(body: { outputs: OipOutput[] }, name: string): OipOutput {
  const found = body.outputs.find((o) => o.name === name);
  if (!found) throw new Error(`no output ${name} in the response`);
  return found;
}

describe('several inputs of different datatypes and a scalar output (mixed)', () => {
  const x = [1.5, -2, 3, 0.25, 4, 5, -6, 7];
  const count = [2, -1];
  const mask = [true, false, true, true, false, true, true, false];
  const reference = () =>
    direct(entries.mixed, {
      x: new ort.Tensor('float32', Float32Array.from(x), [2, 4]),
      count: new ort.Tensor('int64', BigInt64Array.from(count.map(BigInt)), [2, 1]),
      mask: new ort.Tensor('bool', Uint8Array.from(mask, Number), [2, 4]),
    });

  it('serves OIP, including the [] output', async () => {
    const ref = await reference();
    const res = await call('/v2/models/mixed/infer', {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [2, 4], data: x },
        { name: 'count', datatype: 'INT64', shape: [2, 1], data: count },
        { name: 'mask', datatype: 'BOOL', shape: [2, 4], data: mask },
      ],
    });
    expect(res.status).toBe(200);
    expect(output(res.body, 'y')).toMatchObject({ datatype: 'FP32', shape: [2, 4] });
    expectClose(output(res.body, 'y').data, ref.y?.data ?? []);
    expect(output(res.body, 'total')).toMatchObject({ datatype: 'FP32', shape: [] });
    expectClose(output(res.body, 'total').data, ref.total?.data ?? [], 1e-5);
  });

  it('serves TF columnar; TF rows get a 400 because total is not per instance', async () => {
    const ref = await reference();
    const inputs = {
      x: [x.slice(0, 4), x.slice(4)],
      count: [[count[0]], [count[1]]],
      mask: [mask.slice(0, 4), mask.slice(4)],
    };
    const res = await call('/v1/models/mixed:predict', { inputs });
    expect(res.status).toBe(200);
    expectClose(res.body.outputs.y, ref.y?.data ?? []);
    expectClose(res.body.outputs.total, ref.total?.data ?? [], 1e-5);
    const rows = [0, 1].map((i) => ({ x: inputs.x[i], count: inputs.count[i], mask: inputs.mask[i] }));
    const refused = await call('/v1/models/mixed:predict', { instances: rows });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/output "total" .*send the columnar "inputs" form/);
  });
});

describe('a recurrent state passed back by the caller, with an INT64 scalar input (stateful)', () => {
  const frames = [
    [0.1, 0.2, 0.3, 0.4],
    [-0.5, 0.9, 0.0, 0.3],
    [1.0, -1.0, 0.5, -0.5],
  ];

  it('serves OIP step by step, the returned stateN fed back as the next state', async () => {
    let state = new Array<number>(6).fill(0);
    let refState = new Float32Array(6);
    for (const [step, frame] of frames.entries()) {
      const ref = await direct(entries.stateful, {
        input: new ort.Tensor('float32', Float32Array.from(frame), [1, 4]),
        state: new ort.Tensor('float32', refState, [2, 1, 3]),
        sr: new ort.Tensor('int64', BigInt64Array.from([8000n]), []),
      });
      const res = await call('/v2/models/stateful/infer', {
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, 4], data: frame },
          { name: 'state', datatype: 'FP32', shape: [2, 1, 3], data: state },
          // A scalar: shape [] and one element, bare or in a list.
          { name: 'sr', datatype: 'INT64', shape: [], data: step % 2 === 0 ? 8000 : [8000] },
        ],
      });
      expect(res.status).toBe(200);
      expect(output(res.body, 'stateN').shape).toEqual([2, 1, 3]);
      expectClose(output(res.body, 'output').data, ref.output?.data ?? []);
      expectClose(output(res.body, 'stateN').data, ref.stateN?.data ?? []);
      state = output(res.body, 'stateN').data as number[];
      refState = Float32Array.from(ref.stateN?.data as number[]);
    }
    // The state mattered: the same frame with a fresh state answers differently.
    const fresh = await direct(entries.stateful, {
      input: new ort.Tensor('float32', Float32Array.from(frames[2] as number[]), [1, 4]),
      state: new ort.Tensor('float32', new Float32Array(6), [2, 1, 3]),
      sr: new ort.Tensor('int64', BigInt64Array.from([8000n]), []),
    });
    expect(Math.abs((fresh.stateN?.data[0] as number) - (state[0] as number))).toBeGreaterThan(1e-3);
  });

  it('describes the signature: state [2, -1, 3], sr []', async () => {
    const res = await call('/v2/models/stateful');
    expect(res.body.inputs).toEqual([
      { name: 'input', datatype: 'FP32', shape: [-1, 4] },
      { name: 'state', datatype: 'FP32', shape: [2, -1, 3] },
      { name: 'sr', datatype: 'INT64', shape: [] },
    ]);
  });

  it('serves TF columnar with a scalar sr; rows are refused naming the scalar input', async () => {
    const state = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6];
    const ref = await direct(entries.stateful, {
      input: new ort.Tensor('float32', Float32Array.from(frames[0] as number[]), [1, 4]),
      state: new ort.Tensor('float32', Float32Array.from(state), [2, 1, 3]),
      sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
    });
    const inputs = { input: [frames[0]], state: [[state.slice(0, 3)], [state.slice(3)]], sr: 16000 };
    const res = await call('/v1/models/stateful:predict', { inputs });
    expect(res.status).toBe(200);
    expectClose(res.body.outputs.output, ref.output?.data ?? []);
    expectClose(res.body.outputs.stateN, ref.stateN?.data ?? []);
    const rows = await call('/v1/models/stateful:predict', {
      instances: [{ input: frames[0], state: [state.slice(0, 3), state.slice(3)], sr: 16000 }],
    });
    expect(rows.status).toBe(400);
    expect(rows.body.error.message).toMatch(/input "sr" is a scalar \(shape \[\]\).*columnar "inputs" form/);
  });

  it.each([
    [
      { name: 'sr', datatype: 'INT64', shape: [1], data: [16000] },
      /inputs\[2\]\.shape: shape \[1\] does not match input "sr" \[\]/,
    ],
    [{ name: 'sr', datatype: 'INT64', shape: [], data: 1.5 }, /inputs\[2\]\.data: expected an integer/],
    [
      { name: 'sr', datatype: 'FP32', shape: [], data: 16000 },
      /inputs\[2\]\.datatype: input "sr" is INT64, got FP32/,
    ],
  ])('refuses a malformed scalar with a 400 naming it: %j', async (sr, message) => {
    const res = await call('/v2/models/stateful/infer', {
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [1, 4], data: frames[0] },
        { name: 'state', datatype: 'FP32', shape: [2, 1, 3], data: new Array(6).fill(0) },
        sr,
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });
});

describe('UINT8, INT8, INT16, INT32, BOOL and FP64 inputs and outputs (dtypes)', () => {
  const values = {
    u8: [255, 0, 7, 128],
    i8: [-128, 127, 0, -1],
    i16: [-300, 300, 32767, -32768],
    i32: [-70000, 5, 2147483647, -2147483647],
    flag: [true, false, false, true],
    f64: [0.125, -2.5, 1e-300, 123456789.123456],
  };
  const datatypes = { u8: 'UINT8', i8: 'INT8', i16: 'INT16', i32: 'INT32', flag: 'BOOL', f64: 'FP64' };
  const reference = () =>
    direct(entries.dtypes, {
      u8: new ort.Tensor('uint8', Uint8Array.from(values.u8), [2, 2]),
      i8: new ort.Tensor('int8', Int8Array.from(values.i8), [2, 2]),
      i16: new ort.Tensor('int16', Int16Array.from(values.i16), [2, 2]),
      i32: new ort.Tensor('int32', Int32Array.from(values.i32), [2, 2]),
      flag: new ort.Tensor('bool', Uint8Array.from(values.flag, Number), [2, 2]),
      f64: new ort.Tensor('float64', Float64Array.from(values.f64), [2, 2]),
    });

  it.each(['1.0.0', WORKERS])(
    'serves OIP with every output exactly as onnxruntime computes it (%s)',
    async (label) => {
      const ref = await reference();
      const res = await call(`/v2/models/dtypes/versions/${label}/infer`, {
        inputs: Object.entries(values).map(([name, data]) => ({
          name,
          datatype: datatypes[name as keyof typeof datatypes],
          shape: [2, 2],
          data,
        })),
      });
      expect(res.status).toBe(200);
      for (const [name, datatype] of [
        ['sum', 'FP64'],
        ['flag_not', 'BOOL'],
        ['i32_abs', 'INT32'],
        ['u8_echo', 'UINT8'],
        ['i8_echo', 'INT8'],
      ]) {
        expect(output(res.body, name as string)).toEqual({
          name,
          datatype,
          shape: [2, 2],
          data: ref[name as string]?.data,
        });
      }
    },
  );

  it('serves TF rows of named inputs, one object per instance', async () => {
    const ref = await reference();
    const instances = [0, 1].map((i) =>
      Object.fromEntries(Object.entries(values).map(([name, data]) => [name, data.slice(i * 2, i * 2 + 2)])),
    );
    const res = await call('/v1/models/dtypes:predict', { instances });
    expect(res.status).toBe(200);
    expect(res.body.predictions.flatMap((p: { sum: number[] }) => p.sum)).toEqual(ref.sum?.data);
    expect(res.body.predictions.flatMap((p: { flag_not: boolean[] }) => p.flag_not)).toEqual(
      ref.flag_not?.data,
    );
  });

  it.each([
    ['u8', 256, /inputs\[0\]\.data\[1\]: 256 is out of range for UINT8/],
    ['i8', -129, /inputs\[1\]\.data\[1\]: -129 is out of range for INT8/],
    ['flag', 1, /inputs\[4\]\.data\[1\]: expected a boolean, got number/],
  ])('refuses %s out of its datatype with a 400 naming the element', async (name, bad, message) => {
    const res = await call('/v2/models/dtypes/infer', {
      inputs: Object.entries(values).map(([n, data]) => ({
        name: n,
        datatype: datatypes[n as keyof typeof datatypes],
        shape: [2, 2],
        data: n === name ? [data[0], bad, data[2], data[3]] : data,
      })),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });
});

describe('STRING tensors on OIP BYTES (tokens)', () => {
  const words = ['blue', 'nope', 'red', '', 'yellow', 'Ünïcode ✓'];

  it.each(['1.0.0', WORKERS])(
    'serves OIP BYTES in and out, like onnxruntime with string tensors (%s)',
    async (label) => {
      const ref = await direct(entries.tokens, { words: new ort.Tensor('string', words, [2, 3]) });
      expect(ref.ids?.data).toEqual(words.map((w) => TOKENS_VOCABULARY.indexOf(w)));
      const res = await call(`/v2/models/tokens/versions/${label}/infer`, {
        inputs: [{ name: 'words', datatype: 'BYTES', shape: [2, 3], data: words }],
      });
      expect(res.status).toBe(200);
      expect(output(res.body, 'ids')).toEqual({
        name: 'ids',
        datatype: 'INT64',
        shape: [2, 3],
        data: ref.ids?.data,
      });
      expect(output(res.body, 'words_echo')).toEqual({
        name: 'words_echo',
        datatype: 'BYTES',
        shape: [2, 3],
        data: words,
      });
    },
  );

  it('serves TF raw rows of strings for the single-input model', async () => {
    const ref = await direct(entries.tokens, { words: new ort.Tensor('string', words, [2, 3]) });
    const res = await call('/v1/models/tokens:predict', { instances: [words.slice(0, 3), words.slice(3)] });
    expect(res.status).toBe(200);
    expect(res.body.predictions.flatMap((p: { ids: number[] }) => p.ids)).toEqual(ref.ids?.data);
    expect(res.body.predictions[1].words_echo).toEqual(words.slice(3));
  });

  it('refuses a number in a BYTES tensor with a 400 naming the element', async () => {
    const res = await call('/v2/models/tokens/infer', {
      inputs: [{ name: 'words', datatype: 'BYTES', shape: [1, 3], data: ['red', 7, 'blue'] }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/inputs\[0\]\.data\[1\]: expected a string, got number/);
  });
});
