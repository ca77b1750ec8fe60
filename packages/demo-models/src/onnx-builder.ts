import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The ONNX IR version and default-domain opset every demo model declares. */
export const IR_VERSION = 8;
export const OPSET = 17;

/** ONNX TensorProto.DataType codes used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** A dimension: a fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;

type AttrValue = number | number[] | string;

/** One graph node; integer attributes, plus strings for modes such as Pad's `reflect`. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
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

/** Serializes a graph as an ONNX ModelProto. */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
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
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  return Array.isArray(value)
    ? { name, type: AttributeType.INTS, ints: value }
    : { name, type: AttributeType.INT, i: value };
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
