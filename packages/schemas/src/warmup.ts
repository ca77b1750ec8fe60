import { z } from 'zod';
import { type OipDatatype, OipDatatypeSchema } from './predict.ts';

/** One model input or output as the registry records it: -1 marks a variable dim, [] a scalar. */
export const TensorSignatureSchema = z
  .object({
    name: z.string().min(1).max(256),
    datatype: OipDatatypeSchema,
    shape: z.array(z.number().int().min(-1)).max(32),
  })
  .strict();
export type TensorSignature = z.infer<typeof TensorSignatureSchema>;

/**
 * A version's tensor signature, read from its ONNX artifact at registration, so metadata can be
 * served and warm-up requests checked without loading the model.
 */
export const VersionSignatureSchema = z
  .object({ inputs: z.array(TensorSignatureSchema), outputs: z.array(TensorSignatureSchema) })
  .strict();
export type VersionSignature = z.infer<typeof VersionSignatureSchema>;

/** Largest warm-up request as compact JSON: it travels to every replica inside change messages. */
export const MAX_WARMUP_BYTES = 256 * 1024;

export const WarmupInputSchema = z
  .object({
    name: z.string().min(1).max(256),
    shape: z.array(z.number().int().min(0)).max(32),
    datatype: OipDatatypeSchema,
    /** Row-major elements, flat. */
    data: z.array(z.union([z.number(), z.boolean(), z.string()])),
  })
  .strict();
export type WarmupInput = z.infer<typeof WarmupInputSchema>;

/**
 * The request a replica runs once after creating a version's session, before it serves: OIP-style
 * named inputs. Registered with the version and immutable like the rest of it.
 */
export const WarmupRequestSchema = z
  .object({ inputs: z.array(WarmupInputSchema).min(1).max(64) })
  .strict()
  .superRefine((warmup, ctx) => {
    const bytes = new TextEncoder().encode(JSON.stringify(warmup)).length;
    if (bytes > MAX_WARMUP_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${bytes} bytes as JSON; a warm-up request may be at most ${MAX_WARMUP_BYTES} bytes`,
      });
    }
  });
export type WarmupRequest = z.infer<typeof WarmupRequestSchema>;

const INT_RANGES: Partial<Record<OipDatatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function elementProblem(value: unknown, datatype: OipDatatype): string | null {
  if (datatype === 'BOOL') return typeof value === 'boolean' ? null : 'expected a boolean';
  if (datatype === 'BYTES') return typeof value === 'string' ? null : 'expected a string';
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'expected a finite number';
  const range = INT_RANGES[datatype];
  if (range === undefined) return null;
  if (!Number.isInteger(value)) return `expected an integer (${datatype}), got ${value}`;
  if (value < range[0] || value > range[1]) return `${value} is out of range for ${datatype}`;
  return null;
}

const dims = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Why `warmup` cannot run against `signature`, naming the input (unknown, missing, given twice,
 * wrong datatype, shape not compatible with the signature's dims, data length or an element that
 * does not fit the shape or datatype); null when it matches.
 */
export function warmupProblem(warmup: WarmupRequest, signature: VersionSignature): string | null {
  const expected = new Map(signature.inputs.map((input) => [input.name, input]));
  const seen = new Set<string>();
  for (const input of warmup.inputs) {
    const where = `warmup input '${input.name}'`;
    const meta = expected.get(input.name);
    if (!meta) {
      const names = signature.inputs.map((i) => `'${i.name}'`).join(', ');
      return `${where}: the model has no such input (it expects ${names})`;
    }
    if (seen.has(input.name)) return `${where}: given twice`;
    seen.add(input.name);
    if (input.datatype !== meta.datatype) {
      return `${where}: datatype ${input.datatype} does not match the model's ${meta.datatype}`;
    }
    const compatible =
      input.shape.length === meta.shape.length &&
      input.shape.every((d, i) => meta.shape[i] === -1 || d === meta.shape[i]);
    if (!compatible) {
      return `${where}: shape ${dims(input.shape)} is not compatible with the model's ${dims(meta.shape)} (-1: any size)`;
    }
    const count = input.shape.reduce((a, b) => a * b, 1);
    if (input.data.length !== count) {
      return `${where}: data has ${input.data.length} elements, shape ${dims(input.shape)} needs ${count}`;
    }
    for (let i = 0; i < input.data.length; i++) {
      const problem = elementProblem(input.data[i], meta.datatype);
      if (problem !== null) return `${where}: data[${i}]: ${problem}`;
    }
  }
  const missing = signature.inputs.find((i) => !seen.has(i.name));
  if (missing) return `warmup: input '${missing.name}' is missing (the model needs every input)`;
  return null;
}
