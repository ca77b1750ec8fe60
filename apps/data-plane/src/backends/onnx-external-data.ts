// A minimal protobuf walk over an ONNX ModelProto, just deep enough to find tensors that keep
// their data in external files. Field numbers are from onnx/onnx.proto3.

type Field = { no: number; wire: number; varint: number; bytes: Uint8Array | null };

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const MAX_DEPTH = 64;
const DATA_LOCATION_EXTERNAL = 1;

/** Which length-delimited fields of each message hold which kind of child message. */
type Kind = 'model' | 'graph' | 'node' | 'attribute' | 'function' | 'training' | 'sparse' | 'tensor';
const CHILDREN: Record<Exclude<Kind, 'tensor'>, Record<number, Kind>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  function: { 7: 'node', 11: 'attribute' },
  training: { 1: 'graph', 2: 'graph' },
  sparse: { 1: 'tensor', 2: 'tensor' },
};
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const TENSOR_NAME = 8;

/** The model file is not a well-formed protobuf message. */
export class MalformedModelError extends Error {}

/**
 * The name of the first tensor (initializer, Constant attribute, subgraph or function tensor) whose
 * data lives in an external file, or undefined when the model is self-contained. Such models are
 * refused: external files are not covered by the artifact's digest, and they could point anywhere.
 */
export function findExternalTensor(model: Uint8Array): string | undefined {
  return walk(model, 'model', 0);
}

function walk(message: Uint8Array, kind: Kind, depth: number): string | undefined {
  if (depth > MAX_DEPTH) throw new MalformedModelError('model nesting is too deep');
  if (kind === 'tensor') return externalTensorName(message);
  const children = CHILDREN[kind];
  for (const field of fields(message)) {
    const child = children[field.no];
    if (child === undefined || field.bytes === null) continue;
    const found = walk(field.bytes, child, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function externalTensorName(tensor: Uint8Array): string | undefined {
  let name = '';
  let external = false;
  for (const field of fields(tensor)) {
    if (field.no === TENSOR_NAME && field.bytes) name = new TextDecoder().decode(field.bytes);
    if (field.no === TENSOR_EXTERNAL_DATA) external = true;
    if (field.no === TENSOR_DATA_LOCATION && field.varint === DATA_LOCATION_EXTERNAL) external = true;
  }
  return external ? name || '(unnamed)' : undefined;
}

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= buf.length) throw new MalformedModelError('truncated varint');
      const byte = buf[pos++] as number;
      // Multiplication instead of << keeps values above 2^31 exact (up to 2^53).
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new MalformedModelError('varint is too long');
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === WIRE_VARINT) {
      yield { no, wire, varint: varint(), bytes: null };
      continue;
    }
    const size = wire === WIRE_LEN ? varint() : wire === WIRE_FIXED64 ? 8 : wire === WIRE_FIXED32 ? 4 : -1;
    if (size < 0) throw new MalformedModelError(`unsupported wire type ${wire}`);
    if (pos + size > buf.length) throw new MalformedModelError('truncated field');
    const bytes = buf.subarray(pos, pos + size);
    pos += size;
    yield { no, wire, varint: 0, bytes: wire === WIRE_LEN ? bytes : null };
  }
}
