import type { OipDatatype, TensorSignature, VersionSignature } from '@modelplane/schemas';

/**
 * Reads an ONNX model's declared graph inputs and outputs straight from its protobuf bytes, as they
 * stream in, skipping initializers and nodes without holding them: registering a model of hundreds
 * of megabytes costs the control plane one chunk of memory, not a session. Used for artifacts too
 * large to hand to ONNX Runtime at registration (see signature.ts).
 *
 * Field numbers from onnx.proto: ModelProto.graph = 7; GraphProto.initializer = 5, input = 11,
 * output = 12; TensorProto.name = 8; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1;
 * TypeProto.Tensor.elem_type = 1, shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1.
 */
export async function readGraphSignature(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ ok: true; signature: VersionSignature } | { ok: false; reason: string }> {
  try {
    const stream = new ByteStream(chunks[Symbol.asyncIterator]());
    const graph = await findGraph(stream);
    if (graph === null) return { ok: false, reason: 'the artifact is not an ONNX model (no graph)' };
    const inputs = graph.inputs.filter((v) => !graph.initializers.has(v.name)).map(toSignature);
    const outputs = graph.outputs.map(toSignature);
    const bad = [...inputs, ...outputs].find((t) => typeof t === 'string');
    if (typeof bad === 'string') return { ok: false, reason: bad };
    if (outputs.length === 0) return { ok: false, reason: 'the artifact is not an ONNX model (no outputs)' };
    return { ok: true, signature: { inputs, outputs } as VersionSignature };
  } catch {
    return { ok: false, reason: 'the artifact is not a readable ONNX model' };
  }
}

/** ONNX TensorProto.DataType → OIP datatype. */
const DATATYPES: Record<number, OipDatatype> = {
  1: 'FP32',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'BYTES',
  9: 'BOOL',
  10: 'FP16',
  11: 'FP64',
  12: 'UINT32',
  13: 'UINT64',
};

interface ValueInfo {
  name: string;
  /** Undefined when the value is not a tensor (sequence, map, ...). */
  elemType?: number;
  dims: number[];
}

function toSignature(v: ValueInfo): TensorSignature | string {
  if (v.elemType === undefined) return `'${v.name}' is not a tensor (sequences and maps are not supported)`;
  const datatype = DATATYPES[v.elemType];
  if (datatype === undefined) return `'${v.name}' has unsupported element type ${v.elemType}`;
  return { name: v.name, datatype, shape: v.dims };
}

async function findGraph(stream: ByteStream) {
  while (!(await stream.atEnd())) {
    const { field, wire } = await readTag(stream);
    if (field === 7 && wire === 2) return readGraph(stream, await stream.varint());
    await skipField(stream, wire);
  }
  return null;
}

async function readGraph(stream: ByteStream, length: number) {
  const end = stream.offset + length;
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const initializers = new Set<string>();
  while (stream.offset < end) {
    const { field, wire } = await readTag(stream);
    if (wire === 2 && (field === 11 || field === 12)) {
      const info = decodeValueInfo(await stream.bytes(await stream.varint()));
      (field === 11 ? inputs : outputs).push(info);
    } else if (wire === 2 && field === 5) {
      const name = await readTensorName(stream, await stream.varint());
      if (name !== null) initializers.add(name);
    } else {
      await skipField(stream, wire);
    }
  }
  return { inputs, outputs, initializers };
}

/** A TensorProto's name, skipping its data (which may be most of the file). */
async function readTensorName(stream: ByteStream, length: number): Promise<string | null> {
  const end = stream.offset + length;
  let name: string | null = null;
  while (stream.offset < end) {
    const { field, wire } = await readTag(stream);
    if (field === 8 && wire === 2) name = utf8(await stream.bytes(await stream.varint()));
    else await skipField(stream, wire);
  }
  return name;
}

function decodeValueInfo(bytes: Uint8Array): ValueInfo {
  const info: ValueInfo = { name: '', dims: [] };
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.bytes) info.name = utf8(f.bytes);
    if (f.field === 2 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.field !== 1 || !t.bytes) continue;
        info.elemType = 0;
        for (const tt of fields(t.bytes)) {
          if (tt.field === 1 && tt.value !== undefined) info.elemType = tt.value;
          if (tt.field === 2 && tt.bytes) info.dims = decodeShape(tt.bytes);
        }
      }
    }
  }
  return info;
}

/** Fixed dims as numbers; symbolic or unknown dims as -1, as ONNX Runtime reports them to replicas. */
function decodeShape(bytes: Uint8Array): number[] {
  const dims: number[] = [];
  for (const d of fields(bytes)) {
    if (d.field !== 1 || !d.bytes) continue;
    const value = fields(d.bytes).find((x) => x.field === 1 && x.value !== undefined)?.value;
    dims.push(value !== undefined && value >= 0 ? value : -1);
  }
  return dims;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const utf8 = (bytes: Uint8Array) => decoder.decode(bytes);

interface Field {
  field: number;
  value?: number;
  bytes?: Uint8Array;
}

/** Decodes one small, fully buffered message into its fields. */
function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = () => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) out.push({ field, value: varint() });
    else if (wire === 2) {
      const length = varint();
      if (pos + length > bytes.length) throw new Error('truncated field');
      out.push({ field, bytes: bytes.subarray(pos, pos + length) });
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  if (pos !== bytes.length) throw new Error('truncated message');
  return out;
}

async function readTag(stream: ByteStream): Promise<{ field: number; wire: number }> {
  const tag = await stream.varint();
  const field = Math.floor(tag / 8);
  if (field === 0) throw new Error('field number 0');
  return { field, wire: tag % 8 };
}

async function skipField(stream: ByteStream, wire: number): Promise<void> {
  if (wire === 0) await stream.varint();
  else if (wire === 1) await stream.skip(8);
  else if (wire === 2) await stream.skip(await stream.varint());
  else if (wire === 5) await stream.skip(4);
  else throw new Error(`unsupported wire type ${wire}`);
}

/** Sequential reads over async chunks; `skip` discards without copying. */
class ByteStream {
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #done = false;
  offset = 0;
  readonly #source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterator<Uint8Array>) {
    this.#source = source;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      if (this.#done) return false;
      const next = await this.#source.next();
      if (next.done) {
        this.#done = true;
        return false;
      }
      this.#chunk = next.value;
      this.#pos = 0;
    }
    return true;
  }

  async byte(): Promise<number> {
    if (!(await this.#fill())) throw new Error('unexpected end of model');
    this.offset += 1;
    return this.#chunk[this.#pos++] as number;
  }

  async varint(): Promise<number> {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw new Error('unexpected end of model');
      const take = Math.min(left, this.#chunk.length - this.#pos);
      this.#pos += take;
      this.offset += take;
      left -= take;
    }
  }

  async bytes(n: number): Promise<Uint8Array> {
    // Value infos and names are small; a huge length here means this is not an ONNX model.
    if (n > 16 * 1024 * 1024) throw new Error('field too large');
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (!(await this.#fill())) throw new Error('unexpected end of model');
      const take = Math.min(n - filled, this.#chunk.length - this.#pos);
      out.set(this.#chunk.subarray(this.#pos, this.#pos + take), filled);
      this.#pos += take;
      this.offset += take;
      filled += take;
    }
    return out;
  }
}
