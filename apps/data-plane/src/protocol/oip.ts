import { type InferRequest, InferRequestSchema } from '@modelplane/schemas';
import { InvalidInputError } from '../errors.ts';
import type { Answered, Decoded, Decoder } from '../pipeline/types.ts';
import { issueFromMessage } from '../validation/issues.ts';
import { batchIssues } from '../validation/limits.ts';
import { type Parsed, parseBody } from '../validation/zod-body.ts';
import { decodeInferInputs, encodeInferOutputs, selectOutputs } from './oip-tensors.ts';
import type { ResponseText } from './response-text.ts';

/** What the response mirrors: the outputs asked for (null: all, in model order) and the caller's `id`. */
export interface OipReply {
  outputs: readonly string[] | null;
  id: string | null;
}

/**
 * The Open Inference Protocol codec (`/v2/models/{name}/infer`): check the body's shape, decode
 * its tensors against the serving version's signature, encode the outcome as OIP response tensors.
 */
export const oip: Decoder<InferRequest, OipReply> & {
  check(body: unknown): Parsed<InferRequest>;
  encode(outcome: Answered<OipReply>): ResponseText;
} = {
  /** The body's shape: named tensors with a datatype and shape, known fields only. */
  check: (body) => parseBody(InferRequestSchema, body),

  /** Every input tensor against the signature (naming each failing one), the outputs asked for, the instance limit. */
  decode(body, _version, runner, limits): Decoded<OipReply> {
    const decoded = decodeInferInputs(body.inputs, runner.inputs);
    if (!decoded.ok) return decoded;
    let outputs: readonly string[] | null;
    try {
      outputs = selectOutputs(body.outputs, runner.outputs);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return { ok: false, issues: [issueFromMessage(error.message)] };
    }
    const { tensors } = decoded;
    const issues = batchIssues(tensors, runner.inputs, limits, tensorPath, body);
    return issues.length > 0
      ? { ok: false, issues }
      : { ok: true, tensors, reply: { outputs, id: body.id ?? null } };
  },

  /** `{model_name, model_version, id, outputs}`; `id` is the caller's, else the request id. */
  encode(outcome) {
    const { reply, outputs, served } = outcome;
    return {
      head: `{"model_name":${JSON.stringify(served.model)},"model_version":${JSON.stringify(served.version)},"id":`,
      id: reply.id,
      tail: `,"outputs":${JSON.stringify(encodeInferOutputs(outputs, reply.outputs))}}`,
    };
  },
};

function tensorPath(name: string, body: InferRequest): string {
  return `inputs[${body.inputs.findIndex((input) => input.name === name)}].shape`;
}
