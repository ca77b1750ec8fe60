import { isPlainObject, nest } from '../../protocol/tensor.ts';
import type { Datatype, InferOptions, ModelRunner, Tensor, TensorMeta } from '../types.ts';
import { checkTensor } from './check-outputs.ts';
import { type Endpoint, InvalidResponse } from './endpoint.ts';
import { loadSignal, type RemoteTarget, remoteUnreachableOnLoad } from './remote-target.ts';

const DATATYPE_BY_DTYPE: Record<string, Datatype> = {
  DT_FLOAT: 'FP32',
  DT_DOUBLE: 'FP64',
  DT_INT8: 'INT8',
  DT_UINT8: 'UINT8',
  DT_INT16: 'INT16',
  DT_INT32: 'INT32',
  DT_INT64: 'INT64',
  DT_BOOL: 'BOOL',
};

/**
 * A version served by TensorFlow Serving's REST API. The tensor signature comes from the model's
 * `serving_default` signature (`GET .../metadata`); requests use the row (`instances`) format, so
 * every input and output carries the batch as its first dimension.
 */
export class TfServingRunner implements ModelRunner {
  private constructor(
    private readonly target: RemoteTarget,
    private readonly endpoint: Endpoint,
    readonly inputs: readonly TensorMeta[],
    readonly outputs: readonly TensorMeta[],
  ) {}

  /** Reads the signature and checks that the model version is AVAILABLE. */
  static async load(target: RemoteTarget, endpoint: Endpoint, timeoutMs: number): Promise<TfServingRunner> {
    const { signal, done } = loadSignal(timeoutMs);
    try {
      const base = modelPath(target);
      const signature = await endpoint.send(
        { method: 'GET', url: `${base}/metadata`, ref: target.ref, signal },
        parseSignature,
      );
      await endpoint.send({ method: 'GET', url: base, ref: target.ref, signal }, checkAvailable);
      return new TfServingRunner(target, endpoint, signature.inputs, signature.outputs);
    } catch (error) {
      throw remoteUnreachableOnLoad(target, error, signal);
    } finally {
      done();
    }
  }

  infer(inputs: readonly Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    const batch = inputs[0]?.shape[0] ?? 0;
    const rows = Array.from({ length: batch }, (_, r) => {
      if (inputs.length === 1 && inputs[0]) return row(inputs[0], r);
      return Object.fromEntries(inputs.map((t) => [t.name, row(t, r)]));
    });
    return this.target.withSignal(options, (signal) =>
      this.endpoint.send(
        {
          method: 'POST',
          url: `${modelPath(this.target)}:predict`,
          body: { instances: rows },
          ref: this.target.ref,
          signal,
          ...(options.deadlineAt !== undefined && { deadlineAt: options.deadlineAt }),
        },
        (json) => this.#parse(json, batch),
      ),
    );
  }

  async close(): Promise<void> {}

  #parse(json: unknown, batch: number): Tensor[] {
    if (!isPlainObject(json) || !Array.isArray(json.predictions)) {
      throw new InvalidResponse('the response has no predictions list');
    }
    const predictions = json.predictions;
    if (predictions.length !== batch) {
      throw new InvalidResponse(`${predictions.length} predictions for ${batch} instances`);
    }
    const [only] = this.outputs;
    if (this.outputs.length === 1 && only) return [checkTensor(only, predictions, undefined, batch)];
    return this.outputs.map((meta) => {
      const column = predictions.map((p) => {
        if (!isPlainObject(p) || !(meta.name in p)) {
          throw new InvalidResponse(`a prediction lacks output '${meta.name}'`);
        }
        return p[meta.name];
      });
      return checkTensor(meta, column, undefined, batch);
    });
  }
}

/** Row `r` of a tensor whose first dimension is the batch, as nested lists. */
function row(tensor: Tensor, r: number): unknown {
  const inner = tensor.shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  return nest(tensor.data, inner, r * size);
}

function modelPath(target: RemoteTarget): string {
  const name = encodeURIComponent(target.remoteName);
  const version =
    target.remoteVersion === undefined ? '' : `/versions/${encodeURIComponent(target.remoteVersion)}`;
  return `${target.baseUrl}/v1/models/${name}${version}`;
}

function parseSignature(json: unknown): { inputs: TensorMeta[]; outputs: TensorMeta[] } {
  const defs = isPlainObject(json) && isPlainObject(json.metadata) ? json.metadata.signature_def : undefined;
  const signatures = isPlainObject(defs) ? defs.signature_def : undefined;
  const serving = isPlainObject(signatures) ? signatures.serving_default : undefined;
  if (!isPlainObject(serving)) throw new InvalidResponse('metadata has no serving_default signature');
  const read = (map: unknown, kind: string): TensorMeta[] => {
    if (!isPlainObject(map) || Object.keys(map).length === 0) {
      throw new InvalidResponse(`the signature lists no ${kind}`);
    }
    return Object.entries(map).map(([name, info]) => tensorInfo(name, info, kind));
  };
  return { inputs: read(serving.inputs, 'inputs'), outputs: read(serving.outputs, 'outputs') };
}

function tensorInfo(name: string, info: unknown, kind: string): TensorMeta {
  const where = `signature ${kind} '${name}'`;
  if (!isPlainObject(info)) throw new InvalidResponse(`${where} is not an object`);
  const datatype = typeof info.dtype === 'string' ? DATATYPE_BY_DTYPE[info.dtype] : undefined;
  if (!datatype) throw new InvalidResponse(`${where} has an unsupported dtype`);
  const shape = isPlainObject(info.tensor_shape) ? info.tensor_shape : undefined;
  if (!shape || shape.unknown_rank === true || !Array.isArray(shape.dim)) {
    throw new InvalidResponse(`${where} needs a known rank`);
  }
  const dims = shape.dim.map((d) => Number(isPlainObject(d) ? d.size : Number.NaN));
  if (dims.length === 0 || !dims.every((d) => Number.isSafeInteger(d) && d >= -1) || dims[0] !== -1) {
    throw new InvalidResponse(`${where} must have the batch (-1) as its first dimension`);
  }
  return { name, datatype, shape: dims };
}

function checkAvailable(json: unknown): true {
  const statuses = isPlainObject(json) ? json.model_version_status : undefined;
  if (!Array.isArray(statuses) || !statuses.some((s) => isPlainObject(s) && s.state === 'AVAILABLE')) {
    throw new InvalidResponse('no version of the model is AVAILABLE');
  }
  return true;
}
