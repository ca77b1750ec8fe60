import { type Executor, findArtifact, readArtifact, readArtifactChunks } from '@modelplane/db';
import type { OipDatatype, TensorSignature, VersionSignature } from '@modelplane/schemas';
import type { InferenceSession } from 'onnxruntime-node';
import { readGraphSignature } from './onnx-graph-io.ts';

/** The signature, or why it could not be read (a short reason, safe to show the caller). */
export type SignatureResult = { ok: true; signature: VersionSignature } | { ok: false; reason: string };

const DATATYPE_BY_ORT_TYPE: Record<string, OipDatatype> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const ARTIFACT_URI = /^artifact:\/\/([0-9a-f]{64})$/;

/**
 * Up to this size a session is the most faithful reader (the replicas use the same runtime). Beyond
 * it a session would cost the control plane several times the model in memory at every registration,
 * so the declared graph inputs and outputs are read from the protobuf stream instead.
 */
export const SESSION_SIGNATURE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads the tensor signature of an uploaded ONNX artifact (`artifact://<sha256>`) the way replicas
 * will see it: onnxruntime-node creates a session from the stored bytes and reports each input's and
 * output's name, element type and dims (symbolic dims become -1). Other URIs are not read: the
 * control plane does not fetch from hosts or paths that only the replicas can reach.
 */
export async function readArtifactSignature(db: Executor, uri: string): Promise<SignatureResult> {
  const digest = ARTIFACT_URI.exec(uri)?.[1];
  if (digest === undefined) {
    return { ok: false, reason: 'only an uploaded artifact (artifact://, e.g. from --file) is read here' };
  }
  const info = await findArtifact(db, digest);
  if (info === undefined) return { ok: false, reason: `artifact://${digest} has not been uploaded` };
  if (info.sizeBytes > SESSION_SIGNATURE_MAX_BYTES) return readGraphSignature(readArtifactChunks(db, digest));
  const bytes = await readArtifact(db, digest);
  if (bytes === undefined) return { ok: false, reason: `artifact://${digest} has not been uploaded` };
  // Loaded on first use: a control plane that never reads a model never maps the native runtime.
  const ort = await import('onnxruntime-node');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'disabled',
      logSeverityLevel: 3,
    });
  } catch {
    return { ok: false, reason: 'ONNX Runtime cannot create a session from the artifact' };
  }
  try {
    const inputs = session.inputMetadata.map(toSignature);
    const outputs = session.outputMetadata.map(toSignature);
    const bad = [...inputs, ...outputs].find((t) => typeof t === 'string');
    if (typeof bad === 'string') return { ok: false, reason: bad };
    return {
      ok: true,
      signature: { inputs, outputs } as { inputs: TensorSignature[]; outputs: TensorSignature[] },
    };
  } finally {
    await session.release().catch(() => {});
  }
}

/** One input or output, or why it cannot be described as a tensor. */
function toSignature(meta: InferenceSession.ValueMetadata): TensorSignature | string {
  if (!meta.isTensor) return `'${meta.name}' is not a tensor (sequences and maps are not supported)`;
  const datatype = DATATYPE_BY_ORT_TYPE[meta.type];
  if (datatype === undefined) return `'${meta.name}' has unsupported element type ${meta.type}`;
  const shape = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return { name: meta.name, datatype, shape };
}
