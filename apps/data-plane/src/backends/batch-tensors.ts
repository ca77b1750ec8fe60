import type { Tensor } from './types.ts';

/** Requests batch together only when every non-batch dimension and datatype agrees. */
export function signatureOf(inputs: readonly Tensor[]): string {
  return inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).join('|');
}

/** The members' inputs stacked along the first dimension, in the first member's input order. */
export function concat(items: ReadonlyArray<{ inputs: readonly Tensor[]; rows: number }>): Tensor[] {
  const first = items[0] as { inputs: readonly Tensor[] };
  const rows = items.reduce((n, item) => n + item.rows, 0);
  return first.inputs.map((tensor) => {
    const data: unknown[] = [];
    for (const item of items) {
      const part = item.inputs.find((t) => t.name === tensor.name) as Tensor;
      for (const value of part.data) data.push(value);
    }
    return { ...tensor, shape: [rows, ...tensor.shape.slice(1)], data: data as Tensor['data'] };
  });
}

/** Rows [offset, offset + rows) of an output whose first dimension is the batch. */
export function sliceRows(tensor: Tensor, offset: number, rows: number, totalRows: number): Tensor {
  if (tensor.shape[0] !== totalRows) {
    throw new Error(`output '${tensor.name}' has ${tensor.shape[0]} rows for a batch of ${totalRows}`);
  }
  const rowSize = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = tensor.data.slice(offset * rowSize, (offset + rows) * rowSize) as Tensor['data'];
  return { ...tensor, shape: [rows, ...tensor.shape.slice(1)], data };
}
