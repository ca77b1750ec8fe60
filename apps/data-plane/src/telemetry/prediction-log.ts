import { hash } from 'node:crypto';
import { type DB, type PredictionLogInput, predictionLogLine, writePredictionLogText } from '@modelplane/db';
import type { Kysely } from 'kysely';
import type { PredictionRecord } from '../pipeline/types.ts';
import { BatchBuffer, type BatchBufferStats, type BufferLogger } from './batch-buffer.ts';
import { ByteLines } from './byte-lines.ts';
import { isRowRefusal } from './sql-errors.ts';

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

/** What the response hook hands over; it is encoded as the row's COPY text at once. */
export interface LoggedPrediction {
  record: PredictionRecord;
  replicaId: string;
  createdAt: number;
  latencyMs: number;
  status: number;
  /** Present when this request's input and output are to be stored (see {@link loggedPayload}). */
  payload: LoggedPayload | null;
}

/** A payload as the log stores it: serialized once, when the row is buffered, and measured. */
export interface LoggedPayload {
  /** `{"input":…,"output":…}`, or `{"truncated":true,"bytes":…}` above the size cap. */
  json: string;
  /** UTF-8 bytes of `json` (the cap is on these; the buffer counts the whole row as encoded). */
  bytes: number;
}

/** Stored payloads above this are replaced by their sizes: the log is not a blob store. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** What a queued row costs besides its bytes: its place in the queue. */
const ROW_OVERHEAD_BYTES = 32;

/**
 * The prediction log: a bounded buffer that drops (and counts) its oldest rows when Postgres is
 * away. Each row is encoded as COPY text when it is logged and kept as bytes (byte-lines.ts) until
 * its batch is written, so rows waiting hundreds of milliseconds for their batch cost the garbage
 * collector nothing, and a batch goes to Postgres as it is.
 */
export class PredictionLog {
  readonly #lines = new ByteLines();
  readonly #buffer: BatchBuffer<number>;

  constructor(db: Kysely<DB>, options: PredictionLogOptions, logger: BufferLogger) {
    this.#buffer = new BatchBuffer<number>({
      name: 'prediction-log',
      ...options,
      whenFull: 'drop-oldest',
      sizeOf: (line) => ROW_OVERHEAD_BYTES + this.#lines.bytesOf(line),
      write: (batch) => writePredictionLogText(db, this.#lines.views(batch)),
      release: (line) => this.#lines.release(line),
      isPoison: isRowRefusal,
      logger,
    });
  }

  get stats(): BatchBufferStats {
    return this.#buffer.stats;
  }

  /** Queues a row; false when it could not be kept (see {@link BatchBuffer.push}). */
  push(entry: LoggedPrediction): boolean {
    return this.#buffer.push(this.#lines.add(predictionLogLine(toRow(entry))));
  }

  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  close(timeoutMs: number): Promise<void> {
    return this.#buffer.close(timeoutMs);
  }
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
    payloadJson: entry.payload?.json ?? null,
  };
}

/**
 * The stored form of a request's `input` (parsed body) and `output` (response text, spliced in when
 * it is JSON, not re-parsed). `inputBytes` is the body's size when known: with the output's, it
 * skips serializing what is over the cap anyway. The buffer then holds only this string, and
 * counts its real size, whatever the body's `content-length` said (a chunked body has none).
 */
export function loggedPayload(input: unknown, output: string, inputBytes: number): LoggedPayload {
  if (inputBytes + output.length > MAX_PAYLOAD_BYTES) return truncated(inputBytes + output.length);
  const out = isJsonText(output) ? output : JSON.stringify(output);
  const json = `{"input":${JSON.stringify(input ?? null)},"output":${out}}`;
  const bytes = Buffer.byteLength(json);
  return bytes > MAX_PAYLOAD_BYTES ? truncated(bytes) : { json, bytes };
}

function truncated(bytes: number): LoggedPayload {
  const json = JSON.stringify({ truncated: true, bytes });
  return { json, bytes: json.length };
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
