import { DataType, encodeModel, type NodeSpec } from '../onnx-builder.ts';
import type { BuiltSignatureModel, SignatureDatatype } from './types.ts';

/** Every integer, boolean and float64 input type onnxruntime-node takes, each [batch, 2]. */
const INPUTS: ReadonlyArray<{ name: string; type: number; datatype: SignatureDatatype }> = [
  { name: 'u8', type: DataType.UINT8, datatype: 'UINT8' },
  { name: 'i8', type: DataType.INT8, datatype: 'INT8' },
  { name: 'i16', type: DataType.INT16, datatype: 'INT16' },
  { name: 'i32', type: DataType.INT32, datatype: 'INT32' },
  { name: 'flag', type: DataType.BOOL, datatype: 'BOOL' },
  { name: 'f64', type: DataType.DOUBLE, datatype: 'FP64' },
];

/**
 * One input per datatype: `sum` adds them all as float64 (true is 1), and four outputs keep
 * their own types so responses carry them too: `flag_not` (BOOL), `i32_abs` (INT32), `u8_echo` (UINT8),
 * `i8_echo` (INT8).
 */
export function buildDtypesModel(): BuiltSignatureModel {
  const nodes: NodeSpec[] = INPUTS.map((input) => ({
    op: 'Cast',
    inputs: [input.name],
    outputs: [`${input.name}_d`],
    attrs: { to: DataType.DOUBLE },
  }));
  let acc = `${INPUTS[0]?.name}_d`;
  for (const [i, input] of INPUTS.slice(1).entries()) {
    const out = i === INPUTS.length - 2 ? 'sum' : `acc_${i}`;
    nodes.push({ op: 'Add', inputs: [acc, `${input.name}_d`], outputs: [out] });
    acc = out;
  }
  nodes.push(
    { op: 'Not', inputs: ['flag'], outputs: ['flag_not'] },
    { op: 'Abs', inputs: ['i32'], outputs: ['i32_abs'] },
    { op: 'Identity', inputs: ['u8'], outputs: ['u8_echo'] },
    { op: 'Identity', inputs: ['i8'], outputs: ['i8_echo'] },
  );
  const outputs = [
    { name: 'sum', type: DataType.DOUBLE, datatype: 'FP64' as const },
    { name: 'flag_not', type: DataType.BOOL, datatype: 'BOOL' as const },
    { name: 'i32_abs', type: DataType.INT32, datatype: 'INT32' as const },
    { name: 'u8_echo', type: DataType.UINT8, datatype: 'UINT8' as const },
    { name: 'i8_echo', type: DataType.INT8, datatype: 'INT8' as const },
  ];
  const description =
    'One [batch, 2] input per datatype (UINT8, INT8, INT16, INT32, BOOL, FP64); sum adds them as FP64, ' +
    'and flag_not, i32_abs, u8_echo and i8_echo return BOOL, INT32, UINT8 and INT8 tensors.';
  const bytes = encodeModel({
    name: 'dtypes_1.0.0',
    doc: description,
    inputs: INPUTS.map((i) => ({ name: i.name, type: i.type, dims: ['batch', 2] })),
    outputs: outputs.map((o) => ({ name: o.name, type: o.type, dims: ['batch', 2] })),
    nodes,
    initializers: [],
    metadata: { model: 'dtypes', version: '1.0.0' },
  });
  return {
    bytes,
    entry: {
      model: 'dtypes',
      version: '1.0.0',
      inputs: INPUTS.map((i) => ({ name: i.name, datatype: i.datatype, shape: [-1, 2] })),
      outputs: outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: [-1, 2] })),
      description,
    },
  };
}
