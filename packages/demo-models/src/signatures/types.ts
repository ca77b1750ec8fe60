/** Tensor element types as the Open Inference Protocol names them (STRING tensors are `BYTES`). */
export type SignatureDatatype =
  | 'BOOL'
  | 'UINT8'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** A graph input or output; -1 marks the symbolic batch dimension (dim_param "batch"), [] a scalar. */
export interface SignatureTensor {
  name: string;
  datatype: SignatureDatatype;
  shape: number[];
}

/** Names of the signature models. */
export type SignatureModelName = 'mixed' | 'stateful' | 'dtypes' | 'tokens';

/** One signature model in `models/signatures/manifest.json`. */
export interface SignatureModelEntry {
  model: SignatureModelName;
  version: string;
  /** Absolute path once loaded through {@link loadSignatureModels}; relative to the manifest on disk. */
  file: string;
  sha256: string;
  inputs: SignatureTensor[];
  outputs: SignatureTensor[];
  /** What about real models' signatures it stands for. */
  description: string;
}

/** A serialized signature model and its manifest entry, before it is written to disk. */
export interface BuiltSignatureModel {
  entry: Omit<SignatureModelEntry, 'file' | 'sha256'>;
  bytes: Uint8Array;
}
