import { describe, expect, it } from 'vitest';
import { InferRequestSchema, PredictRequestSchema } from './predict.ts';

describe('PredictRequestSchema', () => {
  it.each([
    [{ instances: [[1, 2]] }, true],
    [{ inputs: { a: [1] }, routingKey: 'user-1' }, true],
    [{ instances: [], signature_name: 'serving_default' }, true],
    [{ instances: [[1]], inputs: [[1]] }, false],
    [{}, false],
    [{ instance: [[1]] }, false],
    [{ instances: [[1]], routingKey: '' }, false],
    [{ instances: [[1]], routingKey: 'k'.repeat(257) }, false],
  ])('%o valid: %s', (body, valid) => {
    expect(PredictRequestSchema.safeParse(body).success).toBe(valid);
  });
});

describe('InferRequestSchema', () => {
  const input = { name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] };
  it.each([
    [{ inputs: [input] }, true],
    [{ id: '42', inputs: [input], outputs: [{ name: 'y' }], parameters: { a: 1 } }, true],
    [{ inputs: [] }, false],
    [{ inputs: [{ ...input, data: undefined }] }, false],
    [{ inputs: [{ ...input, datatype: 'FLOAT' }] }, false],
    [{ inputs: [{ ...input, shape: [-1, 2] }] }, false],
    [{ inputs: [input], extra: true }, false],
    [{ inputs: [{ ...input, contents: [1] }] }, false],
    [{ inputs: [input], outputs: [{ name: 'y', binary_data: true }] }, false],
  ])('%o valid: %s', (body, valid) => {
    expect(InferRequestSchema.safeParse(body).success).toBe(valid);
  });
});
