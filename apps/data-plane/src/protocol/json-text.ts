import type { Tensor } from '../backends/types.ts';
import { elementCount } from './tensor.ts';

/**
 * JSON text of tensor values written straight from their flat data, without first building the
 * nested arrays and objects JSON.stringify would walk: the same text, byte for byte (non-finite
 * numbers become null as JSON.stringify writes them). This runs for every prediction answered.
 */

function valueText(value: number | boolean | string | undefined): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return 'null';
}

/** `data` from `offset` laid out as nested lists of `shape`, as JSON text. */
export function nestedJson(data: Tensor['data'], shape: readonly number[], offset = 0): string {
  if (shape.length === 0) return valueText(data[offset]);
  const size = shape[0] as number;
  if (shape.length === 1) {
    let text = '[';
    for (let i = 0; i < size; i++) text += (i === 0 ? '' : ',') + valueText(data[offset + i]);
    return `${text}]`;
  }
  const inner = shape.slice(1);
  const stride = elementCount(inner);
  let text = '[';
  for (let i = 0; i < size; i++) text += (i === 0 ? '' : ',') + nestedJson(data, inner, offset + i * stride);
  return `${text}]`;
}

/** Integer-like keys come first in a JS object (and so in JSON.stringify): such names take the slow path. */
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/** Whether {@link rowsJson} writes what JSON.stringify of the per-row objects would (names in order). */
export function namesKeepOrder(outputs: readonly Tensor[]): boolean {
  return outputs.length === 1 || outputs.every((t) => !INDEX_LIKE.test(t.name));
}

/**
 * Row-format predictions as JSON text: per row, the one output's value, or an object of output name
 * to value. The outputs must be batched over `batch` rows (checked by the caller).
 */
export function rowsJson(outputs: readonly Tensor[], batch: number): string {
  const inners = outputs.map((t) => t.shape.slice(1));
  const strides = inners.map(elementCount);
  const keys = outputs.map((t) => `${JSON.stringify(t.name)}:`);
  let text = '[';
  for (let row = 0; row < batch; row++) {
    if (row > 0) text += ',';
    if (outputs.length === 1) {
      text += nestedJson((outputs[0] as Tensor).data, inners[0] as number[], row * (strides[0] as number));
      continue;
    }
    text += '{';
    for (let o = 0; o < outputs.length; o++) {
      if (o > 0) text += ',';
      text +=
        (keys[o] as string) +
        nestedJson((outputs[o] as Tensor).data, inners[o] as number[], row * (strides[o] as number));
    }
    text += '}';
  }
  return `${text}]`;
}
