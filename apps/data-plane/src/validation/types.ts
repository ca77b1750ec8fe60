import type { InferRequest } from '@modelplane/schemas';
import type { PredictBody } from '../protocol/tfserving.ts';

/** The request body as its protocol parsed it, for validation against the serving version. */
export type PredictionBody =
  | { protocol: 'tfserving'; body: PredictBody }
  | { protocol: 'oip'; inputs: InferRequest['inputs'] };
