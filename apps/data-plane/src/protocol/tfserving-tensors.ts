import type { Tensor, TensorMeta } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';
import { type FeatureMapping, featureColumns, featureMappingOf, featureRows } from './features.ts';
import {
  assertShapeFits,
  describe,
  elementCount,
  formatShape,
  indexPath,
  isPlainObject,
  nest,
  readNested,
  shapeFits,
} from './tensor.ts';

/** A TF Serving predict body after its shape check: exactly one of the two forms is present. */
export interface PredictBody {
  instances?: unknown[] | undefined;
  inputs?: unknown;
}

/** The decoded request: which form it used (the response mirrors it) and the model's input tensors. */
export interface DecodedPredict {
  format: 'row' | 'columnar';
  tensors: Tensor[];
  /** Row format: the number of instances; each output's 0-th dimension must equal it. */
  batch: number;
}

/**
 * How a row-format body addresses the model: `raw` rows of a single-input model's tensor (as TF
 * Serving takes them), objects of `tensors` by input name, or objects of named `features` mapped
 * by the version's schema. Decided by the first instance; the others must follow it.
 */
export type RowForm = 'raw' | 'tensors' | 'features';

/** The form of `instances` (see {@link RowForm}); a version without a feature mapping has no `features` form. */
export function rowForm(
  instances: readonly unknown[],
  mapping: FeatureMapping | null,
  metas: readonly TensorMeta[],
): RowForm {
  const first = instances[0];
  if (metas.length === 1 && !isPlainObject(first)) return 'raw';
  if (!mapping) return 'tensors';
  // Objects keyed only by input names address the tensors, even when the version names features.
  const keys = isPlainObject(first) ? Object.keys(first) : [];
  const byInput =
    keys.length > 0 && keys.every((k) => metas.some((m) => m.name === k) && !mapping.position.has(k));
  return byInput ? 'tensors' : 'features';
}

/** Maps a predict body onto the runner's inputs, honouring the version's feature mapping if any. */
export function decodePredict(
  body: PredictBody,
  version: VersionConfig,
  metas: readonly TensorMeta[],
): DecodedPredict {
  const mapping = featureMappingOf(version);
  if (body.instances !== undefined) {
    if (body.instances.length === 0) throw new InvalidInputError('instances: must not be empty');
    assertRowsFit(metas);
    const form = rowForm(body.instances, mapping, metas);
    const tensors =
      form === 'features' && mapping
        ? [featureRows(body.instances, mapping, 'instances')]
        : decodeRows(body.instances, form, metas);
    return { format: 'row', tensors: checkInputs(tensors, metas, form), batch: body.instances.length };
  }
  const tensors = decodeColumns(body.inputs, mapping, metas);
  return {
    format: 'columnar',
    tensors: checkInputs(tensors, metas, 'columnar'),
    batch: tensors[0]?.shape[0] ?? 0,
  };
}

/**
 * Row format splits every tensor along its first dimension, one slice per instance: a scalar input
 * has none, and an input whose batch dimension is not the first (a recurrent state `[layers, batch,
 * units]`) cannot be stacked from rows. Both need the columnar form. (An output that is not one row
 * per instance is only known for sure once the model ran: {@link encodePredictions} refuses it.)
 */
function assertRowsFit(inputs: readonly TensorMeta[]): void {
  const columnar = 'send the columnar "inputs" form';
  const scalar = inputs.find((m) => m.shape.length === 0);
  if (scalar) {
    throw new InvalidInputError(
      `instances: input "${scalar.name}" is a scalar (shape []), which rows cannot carry; ${columnar}`,
    );
  }
  const inner = inputs.find((m) => m.shape[0] !== -1 && m.shape.includes(-1));
  if (inner) {
    throw new InvalidInputError(
      `instances: input "${inner.name}" has shape ${formatShape(inner.shape)}, whose batch dimension is not the first; ${columnar}`,
    );
  }
}

function decodeRows(instances: unknown[], form: RowForm, metas: readonly TensorMeta[]): Tensor[] {
  const [only] = metas;
  if (form === 'raw' && only) {
    const { shape, data } = readNested(instances, only.datatype, indexPath('instances'));
    return [{ name: only.name, datatype: only.datatype, shape, data }];
  }
  instances.forEach((instance, i) => {
    if (!isPlainObject(instance)) {
      throw new InvalidInputError(
        `instances[${i}]: expected an object of input name to value, got ${describe(instance)}`,
      );
    }
    for (const name of Object.keys(instance)) {
      if (!metas.some((m) => m.name === name)) throw unknownInput(`instances[${i}].${name}`, metas);
    }
  });
  return metas.map((meta) => {
    const column = instances.map((instance, i) => {
      const value = (instance as Record<string, unknown>)[meta.name];
      if (value === undefined) throw new InvalidInputError(`instances[${i}].${meta.name}: missing input`);
      return value;
    });
    const path = (ix: readonly number[]) =>
      `instances[${ix[0]}].${meta.name}${ix
        .slice(1)
        .map((i) => `[${i}]`)
        .join('')}`;
    const { shape, data } = readNested(column, meta.datatype, path);
    return { name: meta.name, datatype: meta.datatype, shape, data };
  });
}

function decodeColumns(
  inputs: unknown,
  mapping: FeatureMapping | null,
  metas: readonly TensorMeta[],
): Tensor[] {
  const named = isPlainObject(inputs) && Object.keys(inputs).some((k) => metas.some((m) => m.name === k));
  if (mapping && isPlainObject(inputs) && !named) return [featureColumns(inputs, mapping, 'inputs')];
  if (!isPlainObject(inputs)) {
    const [only] = metas;
    if (metas.length !== 1 || !only) {
      throw new InvalidInputError(
        `inputs: the model has ${metas.length} inputs; pass an object of input name to value`,
      );
    }
    const { shape, data } = readNested(inputs, only.datatype, indexPath('inputs'));
    return [{ name: only.name, datatype: only.datatype, shape, data }];
  }
  return Object.entries(inputs).map(([name, value]) => {
    const meta = metas.find((m) => m.name === name);
    if (!meta) throw unknownInput(`inputs.${name}`, metas);
    const { shape, data } = readNested(value, meta.datatype, indexPath(`inputs.${name}`));
    return { name, datatype: meta.datatype, shape, data };
  });
}

/** Every model input present, with a shape the model accepts; row-format errors speak per instance. */
function checkInputs(tensors: Tensor[], metas: readonly TensorMeta[], form: RowForm | 'columnar'): Tensor[] {
  const field = form === 'columnar' ? 'inputs' : 'instances';
  for (const meta of metas) {
    const tensor = tensors.find((t) => t.name === meta.name);
    if (!tensor) throw new InvalidInputError(`${field}: missing input "${meta.name}"`);
    if (form !== 'columnar' && !shapeFits(tensor.shape, meta)) {
      // Rows are rectangular by now, so every instance is wrong the same way: name the first.
      const at = form === 'raw' ? 'instances[0]' : `instances[0].${meta.name}`;
      const each = formatShape(meta.shape.slice(1));
      const got = formatShape(tensor.shape.slice(1));
      throw new InvalidInputError(`${at}: input "${meta.name}" takes instances of shape ${each}, got ${got}`);
    }
    assertShapeFits(tensor.shape, meta, `${field}.${meta.name}`);
  }
  return tensors;
}

function unknownInput(field: string, metas: readonly TensorMeta[]): InvalidInputError {
  return new InvalidInputError(`${field}: the model has no such input`, {
    expected: metas.map((m) => m.name),
  });
}

/**
 * Row-format response: one entry per instance. With one output the entry is that output's value;
 * with several, an object keyed by output name. Throws if an output is not batched like the input.
 */
export function encodePredictions(outputs: readonly Tensor[], batch: number): unknown[] {
  // Per output: the shape of one instance's value and how many elements it holds.
  const inner: number[][] = [];
  const strides: number[] = [];
  for (const t of outputs) {
    if (t.shape[0] !== batch) {
      // A client error, not a model failure: the same request in the columnar form is answered.
      throw new InvalidInputError(
        `instances: output "${t.name}" has shape ${formatShape(t.shape)}, not batched over ${batch} instances; send the columnar "inputs" form`,
      );
    }
    const shape = t.shape.slice(1);
    inner.push(shape);
    strides.push(elementCount(shape));
  }
  // Built in place, every request: no entry lists or per-output closures to collect afterwards.
  // Grown by `push` (see nest): JSON.stringify reads a holey `new Array(batch)` the slow way.
  const predictions: unknown[] = [];
  for (let i = 0; i < batch; i++) {
    if (outputs.length === 1) {
      predictions.push(nest((outputs[0] as Tensor).data, inner[0] as number[], i * (strides[0] as number)));
      continue;
    }
    const prediction: Record<string, unknown> = {};
    for (let o = 0; o < outputs.length; o++) {
      const t = outputs[o] as Tensor;
      const value = nest(t.data, inner[o] as number[], i * (strides[o] as number));
      // An output named `__proto__` is a field like any other, not the row's prototype.
      if (t.name === '__proto__') Object.defineProperty(prediction, t.name, { value, enumerable: true });
      else prediction[t.name] = value;
    }
    predictions.push(prediction);
  }
  return predictions;
}

/** Columnar response: the one output's value, or an object of output name → value. */
export function encodeColumnar(outputs: readonly Tensor[]): unknown {
  if (outputs.length === 1) return nest((outputs[0] as Tensor).data, (outputs[0] as Tensor).shape);
  return Object.fromEntries(outputs.map((t) => [t.name, nest(t.data, t.shape)]));
}
