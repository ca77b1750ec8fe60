import { findModel, loadManifest } from '@modelplane/demo-models';
import type { InferRequest, PredictRequest } from '@modelplane/schemas';
import { describe, expect, it } from 'vitest';
import type { ModelRunner, TensorMeta } from '../backends/types.ts';
import { oip } from '../protocol/oip.ts';
import { tfserving } from '../protocol/tfserving.ts';
import type { VersionConfig } from '../routing/types.ts';
import { compileVersionSchemas, validatorsOf } from '../validation/compile.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../validation/limits.ts';
import { ValidationStats } from '../validation/stats.ts';
import type { Decoder, PredictionRequest } from './types.ts';
import { validateInput } from './validate.ts';

const recs = findModel(loadManifest(), 'recs', '2.0.0');
if (!recs?.inputSchema || !recs.featureOrder) throw new Error('run the demo-models build');
const features = recs.featureOrder;

function version(inputSchema: Record<string, unknown> | null, id = 'mv_recs'): VersionConfig {
  return {
    id,
    model: 'recs',
    version: '2.0.0',
    ref: 'recs@2.0.0',
    backend: { kind: 'onnx' },
    artifact: null,
    inputSchema,
    outputSchema: null,
    servingOptions: {},
  };
}
const tabular = version({ ...recs.inputSchema, 'x-input-tensor': 'features', 'x-feature-order': features });
const metas: TensorMeta[] = [{ name: 'features', datatype: 'FP32', shape: [-1, 8] }];
const runner = { inputs: metas, outputs: [] } as unknown as ModelRunner;
const good = Object.fromEntries(features.map((f) => [f, 1]));

type Body = { codec: Decoder<unknown, unknown>; body: unknown };

/** The validation stage for one request body, as the serving version `v` sees it. */
function check(request: Body, v = tabular, limits: RequestLimits = DEFAULT_REQUEST_LIMITS) {
  const stats = new ValidationStats();
  return validateInput({ limits, stats }, v, runner, request as unknown as PredictionRequest);
}
const tf = (body: PredictRequest): Body => ({ codec: tfserving as Decoder<unknown, unknown>, body });
const v2 = (body: InferRequest): Body => ({ codec: oip as Decoder<unknown, unknown>, body });

describe('the validation stage with a tabular schema', () => {
  it('passes a valid request through to the decoder', () => {
    const result = check(tf({ instances: [good, good] }));
    expect(result).toMatchObject({ ok: true, tensors: [{ name: 'features', shape: [2, 8] }] });
  });

  it('names every failing field of every instance, not only the first', () => {
    const bad = { ...good, days_since_signup: 2.5, sessions_30d: -1, cart_items: 'three', colour: 1 };
    const { affinity_home: _dropped, orders_90d: _too, ...missing } = good;
    const result = check(tf({ instances: [bad, good, missing] }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.code).toBe('INVALID_INPUT');
    expect(result.problem.details).toEqual([
      { path: 'instances[0].colour', message: 'unknown feature' },
      { path: 'instances[0].days_since_signup', message: 'expected an integer, got 2.5' },
      { path: 'instances[0].sessions_30d', message: 'must be >= 0, got -1' },
      { path: 'instances[0].cart_items', message: 'expected a number, got a string' },
      { path: 'instances[2]', message: 'missing features orders_90d, affinity_home' },
    ]);
    expect(result.problem.message).toBe(
      'instances[0].colour: unknown feature; instances[0].days_since_signup: expected an integer, got 2.5; ' +
        'instances[0].sessions_30d: must be >= 0, got -1; instances[0].cart_items: expected a number, got a string; ' +
        'instances[2]: missing features orders_90d, affinity_home',
    );
  });

  it('checks each row of a columnar body of named features, reporting a bad column once', () => {
    const columns = Object.fromEntries(features.map((f) => [f, [1, 1, 1]]));
    const result = check(tf({ inputs: { ...columns, avg_order_value: [1, 5000, 9000], colour: [1, 2, 3] } }));
    expect(result.ok || result.problem.details).toEqual([
      { path: 'inputs.colour', message: 'unknown feature' },
      { path: 'inputs.avg_order_value[1]', message: 'must be <= 2000, got 5000' },
      { path: 'inputs.avg_order_value[2]', message: 'must be <= 2000, got 9000' },
    ]);
  });

  it('takes raw tensor rows on a named-feature version, checked against the signature, not the schema', () => {
    const row = [120, 8, 2, 54.5, 1, 0.7, 0.1, 0.2];
    // 120 is inside the schema's ranges, but the point is that no feature rule is consulted.
    expect(check(tf({ instances: [row, row] }))).toMatchObject({
      ok: true,
      tensors: [{ name: 'features', shape: [2, 8], data: [...row, ...row] }],
    });
    expect(check(tf({ instances: [{ features: row }] }))).toMatchObject({ ok: true });
    expect(check(tf({ inputs: [row] }))).toMatchObject({ ok: true, tensors: [{ shape: [1, 8] }] });
    expect(check(tf({ inputs: { features: [row] } }))).toMatchObject({ ok: true });
    const short = check(tf({ instances: [row.slice(1)] }));
    expect(short.ok || short.problem.details).toEqual([
      { path: 'instances[0]', message: 'input "features" takes instances of shape [8], got [7]' },
    ]);
    const text = check(tf({ instances: [row, [...row.slice(0, 7), 'x']] }));
    expect(text.ok || text.problem.details).toEqual([
      { path: 'instances[1][7]', message: 'expected a number, got a string' },
    ]);
  });

  it('limits the instances per request', () => {
    const result = check(tf({ instances: [good, good, good] }), tabular, {
      ...DEFAULT_REQUEST_LIMITS,
      maxInstances: 2,
    });
    expect(result.ok || result.problem.message).toBe('instances: at most 2 instances per request, got 3');
  });
});

describe('the validation stage against the tensor signature', () => {
  it('names every failing tensor of an OIP request', () => {
    const body = v2({
      inputs: [
        { name: 'features', shape: [2, 8], datatype: 'INT64', data: [1, 2, 3] },
        { name: 'extra', shape: [1], datatype: 'FP32', data: [1] },
      ],
    });
    const result = check(body, version(null));
    expect(result.ok || result.problem.details).toEqual([
      { path: 'inputs[0].datatype', message: 'input "features" is FP32, got INT64' },
      { path: 'inputs[0].data', message: 'shape [2, 8] needs 16 elements, got 3' },
      { path: 'inputs[1].name', message: 'the model has no input "extra"' },
    ]);
  });

  it('limits the rows of a batch dimension', () => {
    const body = v2({
      inputs: [{ name: 'features', shape: [3, 8], datatype: 'FP32', data: new Array(24).fill(0) }],
    });
    const result = check(body, version(null), { ...DEFAULT_REQUEST_LIMITS, maxInstances: 2 });
    expect(result.ok || result.problem.message).toBe(
      'inputs[0].shape: at most 2 instances per request, got 3',
    );
  });

  it('turns a decoder error on /v1 into one issue with its path', () => {
    const result = check(tf({ inputs: { features: [[1, 2, 3]] } }), version(null));
    expect(result.ok || result.problem.details).toEqual([
      { path: 'inputs.features', message: 'shape [1, 3] does not match input "features" [-1, 8]' },
    ]);
  });
});

describe('schema compilation', () => {
  it('compiles once per distinct schema and reuses it across table loads', () => {
    const first = version({ type: 'object', properties: { a: { type: 'number' } } }, 'mv_a');
    const reloaded = version({ type: 'object', properties: { a: { type: 'number' } } }, 'mv_a');
    expect(compileVersionSchemas(first)).toBeNull();
    expect(compileVersionSchemas(reloaded)).toBeNull();
    expect(validatorsOf(reloaded).input).toBe(validatorsOf(first).input);
  });

  it('explains a schema that cannot be compiled', () => {
    expect(compileVersionSchemas(version({ type: 'object', properties: { a: { type: 'nope' } } }))).toMatch(
      /^invalid input schema: /,
    );
  });

  it('understands draft 2020-12 when the schema says so', () => {
    const v = version({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
      dependentRequired: { a: ['b'] },
    });
    expect(compileVersionSchemas(v)).toBeNull();
    expect(validatorsOf(v).input?.({ a: 1, b: 2 })).toBe(true);
    expect(validatorsOf(v).input?.({ a: 1 })).toBe(false);
  });
});
