import { type PredictRequest, PredictRequestSchema } from '@modelplane/schemas';
import type { TensorMeta } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';
import type { Answered, Decoded, Decoder } from '../pipeline/types.ts';
import type { VersionConfig } from '../routing/types.ts';
import { validatorsOf } from '../validation/compile.ts';
import { instanceIssues } from '../validation/instances.ts';
import { type Issue, issueFromMessage } from '../validation/issues.ts';
import { batchIssues, instanceLimitIssue, type RequestLimits } from '../validation/limits.ts';
import { type Parsed, parseBody } from '../validation/zod-body.ts';
import type { ResponseText } from './response-text.ts';
import { isPlainObject } from './tensor.ts';
import {
  type DecodedPredict,
  decodePredict,
  encodeColumnar,
  encodePredictions,
} from './tfserving-tensors.ts';

/** How the response mirrors the request: the row or columnar form, and the instance count of rows. */
export interface TfServingReply {
  format: 'row' | 'columnar';
  batch: number;
}

/**
 * The TF Serving REST codec (`/v1/models/{name}:predict`): check the body's shape, decode it into
 * the serving version's tensors, encode the outcome as `{predictions | outputs, modelVersion, ...}`.
 */
export const tfserving: Decoder<PredictRequest, TfServingReply> & {
  check(body: unknown): Parsed<PredictRequest>;
  encode(outcome: Answered<TfServingReply>): ResponseText;
} = {
  /** The body's shape: exactly one of `instances` and `inputs`, known fields only (naming every bad one). */
  check: (body) =>
    isPlainPredictBody(body) ? { ok: true, value: body } : parseBody(PredictRequestSchema, body),

  /**
   * For the serving version: the instance limit first (before any per-instance work), then the
   * version's input schema (every failing field of every instance), then the tensor signature.
   */
  decode(body, version, runner, limits): Decoded<TfServingReply> {
    const { instances } = body;
    if (instances !== undefined && instances.length > limits.maxInstances) {
      return { ok: false, issues: [instanceLimitIssue('instances', instances.length, limits)] };
    }
    const { input } = validatorsOf(version);
    const issues = input ? instanceIssues(input, version, body, runner.inputs) : [];
    if (issues.length > 0) return { ok: false, issues };
    return decodeTensors(body, version, runner.inputs, limits);
  },

  /** `{predictions | outputs, modelVersion, requestId, cached}`; throws INVALID_INPUT for outputs rows cannot carry. */
  encode(outcome) {
    const { reply, outputs, served, servedFrom } = outcome;
    const values =
      reply.format === 'columnar'
        ? `{"outputs":${JSON.stringify(encodeColumnar(outputs))}`
        : `{"predictions":${JSON.stringify(encodePredictions(outputs, reply.batch))}`;
    const cached = servedFrom === 'cache-memory' || servedFrom === 'cache-redis';
    return {
      head: `${values},"modelVersion":${JSON.stringify(served.ref)},"requestId":`,
      id: null,
      tail: `,"cached":${cached}}`,
    };
  },
};

const PREDICT_FIELDS = new Set(['instances', 'inputs', 'signature_name', 'routingKey']);
const MAX_FIELD_LENGTH = 256;

/**
 * True when the body is one that PredictRequestSchema accepts as it is: known fields only, exactly
 * one of `instances` (a list) and `inputs`, and short strings. Such a body skips Zod's copy of it;
 * anything else goes to the schema, which decides and names every bad field.
 */
export function isPlainPredictBody(body: unknown): body is PredictRequest {
  if (!isPlainObject(body)) return false;
  for (const field in body) if (!PREDICT_FIELDS.has(field)) return false;
  const { instances, inputs, signature_name: signature, routingKey } = body;
  if ((instances === undefined) === (inputs === undefined)) return false;
  if (instances !== undefined && !Array.isArray(instances)) return false;
  if (signature !== undefined && !(typeof signature === 'string' && signature.length <= MAX_FIELD_LENGTH))
    return false;
  if (routingKey === undefined) return true;
  return typeof routingKey === 'string' && routingKey.length >= 1 && routingKey.length <= MAX_FIELD_LENGTH;
}

function decodeTensors(
  body: PredictRequest,
  version: VersionConfig,
  metas: readonly TensorMeta[],
  limits: RequestLimits,
): Decoded<TfServingReply> {
  let decoded: DecodedPredict;
  try {
    decoded = decodePredict(body, version, metas);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { ok: false, issues: [issueFromMessage(error.message)] };
  }
  // Rows were counted above; a columnar body's rows are only known once decoded.
  const { tensors } = decoded;
  const issues: Issue[] =
    decoded.format === 'columnar' ? batchIssues(tensors, metas, limits, columnPath, body) : [];
  // The decoded form doubles as the reply: the encoder reads its format and batch.
  return issues.length > 0 ? { ok: false, issues } : { ok: true, tensors, reply: decoded };
}

function columnPath(input: string): string {
  return `inputs.${input}`;
}
