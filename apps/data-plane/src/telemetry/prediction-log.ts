import { hash } from 'node:crypto';
import { type DB, type PredictionLogInput, writePredictionLog } from '@modelplane/db';
import type { Kysely } from 'kysely';
import type { PredictionRecord } from '../pipeline/types.ts';
import { BatchBuffer, type BufferLogger } from './batch-buffer.ts';

/** Bounds and cadence of the prediction log buffer. */
export interface PredictionLogOptions {
  /** False: no rows are kept or written at all (metrics and rollups still are). */
  enabled: boolean;
  maxRows: number;
  maxBytes: number;
  batchRows: number;
  flushIntervalMs: number;
}

export const DEFAULT_PREDICTION_LOG_OPTIONS: PredictionLogOptions = {
  enabled: true,
  maxRows: 50_000,
  maxBytes: 64 * 1024 * 1024,
  batchRows: 2000,
  flushIntervalMs: 1000,
};

/** What the response hook hands over: cheap to build, the rest is done at flush time. */
export interface LoggedPrediction {
  record: PredictionRecord;
  replicaId: string;
  createdAt: number;
  latencyMs: number;
  status: number;
  /** Present when this request's input and output are to be stored. */
  payload: { input: unknown; output: string; bytes: number } | null;
}

/** Stored payloads above this are replaced by their sizes: the log is not a blob store. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** A row's fixed cost in the buffer, besides its payload. */
const ROW_BYTES = 400;

/** The prediction log: a bounded buffer that drops (and counts) its oldest rows when Postgres is away. */
export function createPredictionLog(
  db: Kysely<DB>,
  options: PredictionLogOptions,
  logger: BufferLogger,
): BatchBuffer<LoggedPrediction> {
  return new BatchBuffer<LoggedPrediction>({
    name: 'prediction-log',
    ...options,
    whenFull: 'drop-oldest',
    sizeOf: (entry) => ROW_BYTES + (entry.payload ? Math.min(entry.payload.bytes, MAX_PAYLOAD_BYTES) : 0),
    write: (batch) => writePredictionLog(db, batch.map(toRow)),
    logger,
  });
}

/** The routing key as stored: a 128-bit sha256 prefix, enough to count units without keeping the key. */
export function hashRoutingKey(key: string): string {
  return hash('sha256', key, 'base64url').slice(0, 22);
}

function label(ref: string | null): string | null {
  if (ref === null) return null;
  const at = ref.indexOf('@');
  return at >= 0 ? ref.slice(at + 1) : ref;
}

function toRow(entry: LoggedPrediction): PredictionLogInput {
  const { record } = entry;
  return {
    requestId: record.requestId,
    createdAt: new Date(entry.createdAt),
    model: record.model,
    assignedVersion: label(record.assignedVersion),
    servedVersion: label(record.servedVersion),
    revision: record.revision,
    routingKeyHash: record.routingKey === undefined ? null : hashRoutingKey(record.routingKey),
    sticky: record.sticky,
    pinned: record.pinned ?? false,
    inputHash: record.inputHash,
    latencyMs: entry.latencyMs,
    servedFrom: record.servedFrom,
    status: entry.status,
    errorCode: record.errorCode,
    replicaId: entry.replicaId,
    payloadJson: entry.payload ? payloadJson(entry.payload) : null,
  };
}

/** `{"input":…,"output":…}`; the output is already JSON text, so it is spliced in, not re-parsed. */
function payloadJson(payload: { input: unknown; output: string; bytes: number }): string {
  if (payload.bytes > MAX_PAYLOAD_BYTES) return JSON.stringify({ truncated: true, bytes: payload.bytes });
  const output = isJsonText(payload.output) ? payload.output : JSON.stringify(payload.output);
  return `{"input":${JSON.stringify(payload.input ?? null)},"output":${output}}`;
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
