import { isPlainObject } from '../../protocol/tensor.ts';
import type { InferOptions, ModelRunner, Tensor, TensorMeta } from '../types.ts';
import { checkDatatype, checkMetaShape, checkOipOutputs } from './check-outputs.ts';
import { type Endpoint, InvalidResponse } from './endpoint.ts';
import { loadSignal, type RemoteTarget, remoteUnreachableOnLoad } from './remote-target.ts';

/**
 * A version served by an Open Inference Protocol (KServe V2) server: Triton, KServe, MLServer, or
 * another Modelplane data plane. Loading reads the model's metadata and readiness; each request
 * is one `infer` call through the endpoint's breaker, retry budget and deadline.
 */
export class OipRunner implements ModelRunner {
  private constructor(
    private readonly target: RemoteTarget,
    private readonly endpoint: Endpoint,
    readonly inputs: readonly TensorMeta[],
    readonly outputs: readonly TensorMeta[],
  ) {}

  /** Reads metadata (the tensor signature requests are decoded against) and checks readiness. */
  static async load(target: RemoteTarget, endpoint: Endpoint, timeoutMs: number): Promise<OipRunner> {
    const { signal, done } = loadSignal(timeoutMs);
    try {
      const base = modelPath(target);
      const metadata = await endpoint.send({ method: 'GET', url: base, ref: target.ref, signal }, (json) =>
        parseMetadata(json),
      );
      await endpoint.send({ method: 'GET', url: `${base}/ready`, ref: target.ref, signal }, () => true);
      return new OipRunner(target, endpoint, metadata.inputs, metadata.outputs);
    } catch (error) {
      throw remoteUnreachableOnLoad(target, error, signal);
    } finally {
      done();
    }
  }

  infer(inputs: readonly Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    const batch = inputs[0]?.shape[0];
    const body = {
      inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: t.data })),
    };
    return this.target.withSignal(options, (signal) =>
      this.endpoint.send(
        {
          method: 'POST',
          url: `${modelPath(this.target)}/infer`,
          body,
          ref: this.target.ref,
          signal,
          ...(options.deadlineAt !== undefined && { deadlineAt: options.deadlineAt }),
        },
        (json) => checkOipOutputs(json, this.outputs, batch),
      ),
    );
  }

  async close(): Promise<void> {}
}

function modelPath(target: RemoteTarget): string {
  const name = encodeURIComponent(target.remoteName);
  const version =
    target.remoteVersion === undefined ? '' : `/versions/${encodeURIComponent(target.remoteVersion)}`;
  return `${target.baseUrl}/v2/models/${name}${version}`;
}

function parseMetadata(json: unknown): { inputs: TensorMeta[]; outputs: TensorMeta[] } {
  if (!isPlainObject(json)) throw new InvalidResponse('model metadata is not an object');
  const read = (list: unknown, kind: string): TensorMeta[] => {
    if (!Array.isArray(list) || list.length === 0)
      throw new InvalidResponse(`model metadata lists no ${kind}`);
    return list.map((item, i) => {
      const where = `metadata ${kind}[${i}]`;
      if (!isPlainObject(item) || typeof item.name !== 'string')
        throw new InvalidResponse(`${where} has no name`);
      return {
        name: item.name,
        datatype: checkDatatype(item.datatype, where),
        shape: checkMetaShape(item.shape, where),
      };
    });
  };
  return { inputs: read(json.inputs, 'inputs'), outputs: read(json.outputs, 'outputs') };
}
