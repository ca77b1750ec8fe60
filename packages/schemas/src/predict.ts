import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';

/** Tensor element types as the Open Inference Protocol names them. */
export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export const OipDatatypeSchema = z.enum(OIP_DATATYPES);
export type OipDatatype = z.infer<typeof OipDatatypeSchema>;

/** A routing key: sticky assignment hashes it, so it must be short enough to hash per request. */
export const RoutingKeySchema = z.string().min(1).max(256);

const required = (value: unknown) => value !== undefined;

/**
 * The TF Serving predict body: row format (`instances`) or columnar (`inputs`), never both; the
 * optional `routingKey` makes the version assignment sticky. Deep validation happens against the model.
 */
export const PredictRequestSchema = z
  .object({
    instances: z.array(z.unknown()).optional(),
    inputs: z.unknown().optional(),
    signature_name: z.string().max(256).optional(),
    routingKey: RoutingKeySchema.optional(),
  })
  .strict()
  .refine((body) => (body.instances === undefined) !== (body.inputs === undefined), {
    message: 'pass exactly one of "instances" (row format) or "inputs" (columnar format)',
    path: ['instances'],
  });
export type PredictRequest = z.infer<typeof PredictRequestSchema>;

const PredictResponseMetaSchema = z.object({
  /** `name@version` of the version that answered. */
  modelVersion: z.string(),
  requestId: z.string(),
  cached: z.boolean(),
});

/** The response to a row-format request: one prediction per instance. */
export const PredictResponseSchema = PredictResponseMetaSchema.extend({ predictions: z.array(z.unknown()) });
export type PredictResponse = z.infer<typeof PredictResponseSchema>;

/** The response to a columnar request: the output value, or an object of output name to value. */
export const ColumnarPredictResponseSchema = PredictResponseMetaSchema.extend({ outputs: z.unknown() });
export type ColumnarPredictResponse = z.infer<typeof ColumnarPredictResponseSchema>;

/** Every data-plane error on /v1 (and anything outside /v2). */
export const DataPlaneErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});
export type DataPlaneErrorBody = z.infer<typeof DataPlaneErrorBodySchema>;

/** OIP errors keep the protocol's shape: `"CODE: message"`. */
export const OipErrorBodySchema = z.object({ error: z.string() });

const ParametersSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const InferInputTensorSchema = z
  .object({
    name: z.string().min(1).max(256),
    shape: z.array(z.number().int().min(0)).max(32),
    datatype: OipDatatypeSchema,
    parameters: ParametersSchema.optional(),
    /** Row-major elements, nested or flat. */
    data: z.unknown().refine(required, 'required'),
  })
  .strict();
export type InferInputTensor = z.infer<typeof InferInputTensorSchema>;

/**
 * An OIP inference request (`POST /v2/models/{name}[/versions/{v}]/infer`). Strict, like every
 * data-plane body: extensions travel in `parameters`, and any other field is a client mistake.
 */
export const InferRequestSchema = z
  .object({
    id: z.string().max(256).optional(),
    parameters: ParametersSchema.optional(),
    inputs: z.array(InferInputTensorSchema).min(1),
    outputs: z
      .array(z.object({ name: z.string().min(1).max(256), parameters: ParametersSchema.optional() }).strict())
      .optional(),
  })
  .strict();
export type InferRequest = z.infer<typeof InferRequestSchema>;

export const InferResponseOutputSchema = z.object({
  name: z.string(),
  shape: z.array(z.number()),
  datatype: OipDatatypeSchema,
  parameters: ParametersSchema.optional(),
  /** Flat row-major elements. */
  data: z.unknown(),
});
export type InferResponseOutput = z.infer<typeof InferResponseOutputSchema>;

export const InferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string(),
  parameters: ParametersSchema.optional(),
  outputs: z.array(InferResponseOutputSchema),
});
export type InferResponse = z.infer<typeof InferResponseSchema>;

export const TensorMetadataSchema = z.object({
  name: z.string(),
  datatype: OipDatatypeSchema,
  /** -1 marks a variable dimension. */
  shape: z.array(z.number().int()),
});

/** `GET /v2/models/{name}[/versions/{v}]`. */
export const ModelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(TensorMetadataSchema),
  outputs: z.array(TensorMetadataSchema),
});
export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/** `GET /v2`. */
export const ServerMetadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
});
export type ServerMetadata = z.infer<typeof ServerMetadataSchema>;
