import type { PredictionLogInput } from '../repositories/prediction-log-row.ts';

/** A plain prediction-log row for tests: a sticky 200 from `recs` 2.0.0, with `overrides` applied. */
export function logRow(
  requestId: string,
  createdAt: Date,
  overrides: Partial<PredictionLogInput> = {},
): PredictionLogInput {
  return {
    requestId,
    createdAt,
    model: 'recs',
    assignedVersion: '2.0.0',
    servedVersion: '2.0.0',
    revision: 3,
    routingKeyHash: 'k1',
    sticky: true,
    pinned: false,
    inputHash: null,
    latencyMs: 1.25,
    servedFrom: 'backend',
    status: 200,
    errorCode: null,
    replicaId: 'r1',
    payloadJson: null,
    ...overrides,
  };
}
