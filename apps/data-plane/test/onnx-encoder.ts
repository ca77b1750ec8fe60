// A tiny hand-written protobuf encoder for hostile ONNX test models, independent of the code under test.
// Field numbers are from onnx/onnx.proto3.

const utf8 = new TextEncoder();

/** A protobuf varint. */
export function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A length-delimited field: a sub-message, string or bytes. */
export function len(no: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? utf8.encode(payload) : payload;
  return concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
}

/** A varint field. */
export function int(no: number, value: number): Uint8Array {
  return concat([varint(no * 8), varint(value)]);
}

/** A message from its fields. */
export function msg(...fields: Uint8Array[]): Uint8Array {
  return concat(fields);
}

const FLOAT = 1;
const ONE_AS_FLOAT32_LE = Uint8Array.from([0, 0, 0x80, 0x3f]);

/** TensorProto `w` = [1.0], inline or pointing at an external file. */
export function weightTensor(externalLocation?: string): Uint8Array {
  const head = [int(1, 1), int(2, FLOAT), len(8, 'w')];
  if (externalLocation === undefined) return msg(...head, len(9, ONE_AS_FLOAT32_LE));
  return msg(
    ...head,
    len(13, msg(len(1, 'location'), len(2, externalLocation))),
    len(13, msg(len(1, 'length'), len(2, '4'))),
    int(14, 1),
  );
}

function valueInfo(name: string): Uint8Array {
  const shape = msg(len(1, msg(int(1, 1))));
  return msg(len(1, name), len(2, msg(len(1, msg(int(1, FLOAT), len(2, shape))))));
}

/** `y = x + w` over float[1], with `w` supplied by `graphExtras` or as an initializer. */
export function addModel(options: { initializer?: Uint8Array; graphExtras?: Uint8Array[] }): Uint8Array {
  const graph = msg(
    ...(options.graphExtras ?? []),
    len(1, msg(len(1, 'x'), len(1, 'w'), len(2, 'y'), len(4, 'Add'))),
    len(2, 'g'),
    ...(options.initializer ? [len(5, options.initializer)] : []),
    len(11, valueInfo('x')),
    len(12, valueInfo('y')),
  );
  return msg(int(1, 8), len(8, msg(int(2, 17))), len(7, graph));
}

/** A Constant node producing `w` from an attribute tensor: external data hidden one level deeper. */
export function constantNode(tensor: Uint8Array): Uint8Array {
  const attribute = msg(len(1, 'value'), len(5, tensor), int(20, 4));
  return len(1, msg(len(2, 'w'), len(4, 'Constant'), len(5, attribute)));
}
