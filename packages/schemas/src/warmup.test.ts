import { describe, expect, it } from 'vitest';
import { type VersionSignature, type WarmupRequest, WarmupRequestSchema, warmupProblem } from './warmup.ts';

// The voice-activity model of issue 11: audio, a recurrent state and an INT64 scalar sample rate.
const VAD: VersionSignature = {
  inputs: [
    { name: 'input', datatype: 'FP32', shape: [-1, -1] },
    { name: 'state', datatype: 'FP32', shape: [2, -1, 128] },
    { name: 'sr', datatype: 'INT64', shape: [] },
  ],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1] }],
};

const good = (): WarmupRequest => ({
  inputs: [
    { name: 'input', datatype: 'FP32', shape: [1, 4], data: [0, 0.1, -0.1, 0] },
    { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: new Array(256).fill(0) },
    { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
  ],
});

function edit(change: (w: WarmupRequest) => void): WarmupRequest {
  const warmup = good();
  change(warmup);
  return warmup;
}

describe('warmupProblem', () => {
  it('accepts a request that matches the signature, scalars included', () => {
    expect(warmupProblem(good(), VAD)).toBeNull();
  });

  it.each([
    [
      'an unknown input',
      edit((w) => {
        (w.inputs[0] as { name: string }).name = 'audio';
      }),
      "warmup input 'audio': the model has no such input (it expects 'input', 'state', 'sr')",
    ],
    ['a missing input', edit((w) => w.inputs.pop()), "warmup: input 'sr' is missing"],
    [
      'an input given twice',
      edit((w) => w.inputs.push(w.inputs[2] as WarmupRequest['inputs'][number])),
      "warmup input 'sr': given twice",
    ],
    [
      'a wrong datatype',
      edit((w) => {
        (w.inputs[2] as { datatype: string }).datatype = 'INT32';
      }),
      "warmup input 'sr': datatype INT32 does not match the model's INT64",
    ],
    [
      'a fixed dim that differs',
      edit((w) => {
        const state = w.inputs[1] as { shape: number[]; data: number[] };
        state.shape = [2, 1, 64];
        state.data = new Array(128).fill(0);
      }),
      "warmup input 'state': shape [2, 1, 64] is not compatible with the model's [2, -1, 128]",
    ],
    [
      'a different rank',
      edit((w) => {
        (w.inputs[2] as { shape: number[] }).shape = [1];
      }),
      "warmup input 'sr': shape [1] is not compatible with the model's []",
    ],
    [
      'data shorter than the shape',
      edit((w) => {
        (w.inputs[0] as { data: number[] }).data = [0, 0, 0];
      }),
      "warmup input 'input': data has 3 elements, shape [1, 4] needs 4",
    ],
    [
      'a value the datatype cannot hold',
      edit((w) => {
        (w.inputs[2] as { data: number[] }).data = [16000.5];
      }),
      "warmup input 'sr': data[0]: expected an integer (INT64), got 16000.5",
    ],
  ])('refuses %s, naming the input', (_label, warmup, message) => {
    expect(warmupProblem(warmup, VAD)).toContain(message);
  });

  it('bounds the size of a registered warm-up', () => {
    const huge = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [100_000], data: new Array(100_000).fill(0.125) }],
    };
    const parsed = WarmupRequestSchema.safeParse(huge);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/at most 262144 bytes/);
  });
});
