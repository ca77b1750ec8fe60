/** One prediction-log row as the data plane writes it. */
export interface PredictionLogInput {
  requestId: string;
  createdAt: Date;
  model: string;
  assignedVersion: string | null;
  servedVersion: string | null;
  revision: number | null;
  routingKeyHash: string | null;
  sticky: boolean;
  pinned: boolean;
  inputHash: string | null;
  latencyMs: number;
  servedFrom: string | null;
  status: number;
  errorCode: string | null;
  replicaId: string;
  /** Ready-made JSON text (`{"input":...,"output":...}`), or null. */
  payloadJson: string | null;
}
