import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The ONNX IR version and default-domain opset every demo model declares. */
export const IR_VERSION = 8;
export const OPSET = 17;

/** ONNX TensorProto.DataType codes used here. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** A dimension: a fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;

/** Integer and string attributes (and lists of them); floats are not needed by any model here. */
type AttrValue = number | number[] | string | string[];

/** One graph node; `domain` for operators outside the default one (e.g. `ai.onnx.ml`). */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  domain?: string;
}

/** Everything that goes into one model file. */
export interface GraphSpec {
  name: string;
  doc: string;
  inputs: { name: string; type: number; dims: Dim[] }[];
  outputs: { name: string; type: number; dims: Dim[] }[];
  nodes: NodeSpec[];
  initializers: onnxProto.onnx.ITensorProto[];
  metadata: Record<string, string>;
  /** Opsets of other domains the nodes use, e.g. `{ 'ai.onnx.ml': 2 }`. */
  extraOpsets?: Record<string, number>;
}

/** A float initializer stored as little-endian raw bytes. */
export function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

/** An int64 initializer stored as little-endian raw bytes. */
export function int64Tensor(name: string, dims: number[], data: number[]): onnxProto.onnx.ITensorProto {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { name, dims, dataType: DataType.INT64, rawData: raw };
}

/** A float64 initializer stored as little-endian raw bytes. */
export function doubleTensor(name: string, dims: number[], data: number[]): onnxProto.onnx.ITensorProto {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => {
    view.setFloat64(i * 8, v, true);
  });
  return { name, dims, dataType: DataType.DOUBLE, rawData: raw };
}

/** Serializes a graph as an ONNX ModelProto. */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: '', version: OPSET },
      ...Object.entries(spec.extraOpsets ?? {}).map(([domain, version]) => ({ domain, version })),
    ],
    producerName: '@modelplane/demo-models',
    producerVersion: '0.1.0',
    docString: spec.doc,
    metadataProps: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      node: spec.nodes.map((n, i) => ({
        name: `${n.op.toLowerCase()}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        ...(n.domain !== undefined && { domain: n.domain }),
        attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => attribute(name, v)),
      })),
      initializer: spec.initializers,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes a model file, for tests and tools that read weights back. */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

function attribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  const utf8 = (v: string) => new TextEncoder().encode(v);
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8(value) };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (value.every((v) => typeof v === 'string')) {
    return { name, type: AttributeType.STRINGS, strings: value.map(utf8) };
  }
  return { name, type: AttributeType.INTS, ints: value as number[] };
}

function valueInfo(v: { name: string; type: number; dims: Dim[] }): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
