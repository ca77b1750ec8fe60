import { DataType, encodeModel } from '../onnx-builder.ts';
import type { BuiltSignatureModel } from './types.ts';

/** The vocabulary `ids` maps words onto, in id order; any other word is -1. */
export const TOKENS_VOCABULARY = ['red', 'green', 'blue', 'cyan', 'magenta', 'yellow'];

/**
 * STRING tensors in and out: `ids` looks each word up in a fixed vocabulary (ai.onnx.ml
 * LabelEncoder, unknown words -1) and `words_echo` returns the strings as they came in.
 */
export function buildTokensModel(): BuiltSignatureModel {
  const description =
    'STRING input words [batch, 3]: ids INT64 [batch, 3] is each word vocabulary index (-1 when unknown), ' +
    'words_echo STRING [batch, 3] the words themselves.';
  const bytes = encodeModel({
    name: 'tokens_1.0.0',
    doc: description,
    inputs: [{ name: 'words', type: DataType.STRING, dims: ['batch', 3] }],
    outputs: [
      { name: 'ids', type: DataType.INT64, dims: ['batch', 3] },
      { name: 'words_echo', type: DataType.STRING, dims: ['batch', 3] },
    ],
    nodes: [
      {
        op: 'LabelEncoder',
        domain: 'ai.onnx.ml',
        inputs: ['words'],
        outputs: ['ids'],
        attrs: {
          keys_strings: TOKENS_VOCABULARY,
          values_int64s: TOKENS_VOCABULARY.map((_, i) => i),
          default_int64: -1,
        },
      },
      { op: 'Identity', inputs: ['words'], outputs: ['words_echo'] },
    ],
    initializers: [],
    metadata: { model: 'tokens', version: '1.0.0' },
    extraOpsets: { 'ai.onnx.ml': 2 },
  });
  return {
    bytes,
    entry: {
      model: 'tokens',
      version: '1.0.0',
      inputs: [{ name: 'words', datatype: 'BYTES', shape: [-1, 3] }],
      outputs: [
        { name: 'ids', datatype: 'INT64', shape: [-1, 3] },
        { name: 'words_echo', datatype: 'BYTES', shape: [-1, 3] },
      ],
      description,
    },
  };
}
