import { hash } from 'node:crypto';
import { type DB, predictionLogHead, predictionLogTail, writePredictionLogText } from '@modelplane/db';
import type { Kysely } from 'kysely';
import type { PredictionRecord } from '../pipeline/types.ts';
import { BatchBuffer, type BatchBufferStats, type BufferLogger } from './batch-buffer.ts';
import { ByteRecords } from './byte-records.ts';
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

/** What the response hook hands over; it is encoded as bytes at once (see {@link PredictionLog}). */
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
// A held row starts with its time and latency (two doubles) and whether it has a routing key (a
// byte); then its tail as COPY text, then the key's UTF-8.
const TIME_AT = 0;
const LATENCY_AT = 8;
const HAS_KEY_AT = 16;
const HEAD_BYTES = 17;
const NEWLINE = 0x0a;
/** The most a row's head takes as text: a timestamp, a number, a hash and three tabs. */
const HEAD_TEXT_BYTES = 96;

/**
 * The prediction log: a bounded buffer that drops (and counts) its oldest rows when Postgres is
 * away. A row is held as bytes (byte-records.ts) from the moment it is logged until its batch is
 * written, so rows waiting hundreds of milliseconds for their batch cost the garbage collector
 * nothing. Most of the row is encoded as COPY text when it is logged; its time, latency and routing
 * key are kept raw and become text when the batch is written, the key hashed then: done for 2000
 * rows in one loop, that costs about a third of what it costs done once in each request, between
 * two requests' worth of other code.
 */
export class PredictionLog {
  readonly #rows = new ByteRecords();
  readonly #buffer: BatchBuffer<number>;

  constructor(db: Kysely<DB>, options: PredictionLogOptions, logger: BufferLogger) {
    this.#buffer = new BatchBuffer<number>({
      name: 'prediction-log',
      ...options,
      whenFull: 'drop-oldest',
      sizeOf: (row) => ROW_OVERHEAD_BYTES + this.#rows.bytesOf(row),
      write: (batch) => writePredictionLogText(db, [this.#copyText(batch)]),
      release: (row) => this.#rows.release(row),
      isPoison: isRowRefusal,
      logger,
    });
  }

  get stats(): BatchBufferStats {
    return this.#buffer.stats;
  }

  /** Queues a row; false when it could not be kept (see {@link BatchBuffer.push}). */
  push(entry: LoggedPrediction): boolean {
    const { record } = entry;
    const tail = predictionLogTail({
      requestId: record.requestId,
      model: record.model,
      assignedVersion: versionLabel(record.assignedVersion),
      servedVersion: versionLabel(record.servedVersion),
      revision: record.revision,
      sticky: record.sticky,
      pinned: record.pinned ?? false,
      inputHash: record.inputHash,
      servedFrom: record.servedFrom,
      status: entry.status,
      errorCode: record.errorCode,
      replicaId: entry.replicaId,
      payloadJson: entry.payload?.json ?? null,
    });
    // The key goes after the tail, in the same write (one native call): the tail ends at its only
    // newline (COPY text escapes the others), so the key is whatever follows it.
    const key = record.routingKey;
    const text = key === undefined ? tail : tail + key;
    const rows = this.#rows;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measured exactly only when that bound does not fit.
    const bound = HEAD_BYTES + 3 * text.length;
    const buf = rows.reserve(rows.fits(bound) ? bound : HEAD_BYTES + Buffer.byteLength(text));
    const start = rows.cursor;
    buf.writeDoubleLE(entry.createdAt, start + TIME_AT);
    buf.writeDoubleLE(entry.latencyMs, start + LATENCY_AT);
    buf[start + HAS_KEY_AT] = key === undefined ? 0 : 1;
    const at = start + HEAD_BYTES;
    return this.#buffer.push(rows.commit(at + buf.write(text, at, 'utf8')));
  }

  /** Held rows as COPY text, in the order given: each row's head is worked out here. */
  #copyText(batch: readonly number[]): Buffer {
    let size = 0;
    for (const row of batch) size += this.#rows.bytesOf(row) + HEAD_TEXT_BYTES;
    const text = Buffer.allocUnsafe(size);
    let at = 0;
    for (const row of batch) {
      const bytes = this.#rows.read(row);
      const tailEnd = bytes.indexOf(NEWLINE, HEAD_BYTES) + 1;
      const keyHash = bytes[HAS_KEY_AT] === 0 ? null : hashRoutingKey(bytes.subarray(tailEnd));
      at += text.write(
        predictionLogHead(bytes.readDoubleLE(TIME_AT), bytes.readDoubleLE(LATENCY_AT), keyHash),
        at,
        'latin1',
      );
      at += bytes.copy(text, at, HEAD_BYTES, tailEnd);
    }
    return text.subarray(0, at);
  }

  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  close(timeoutMs: number): Promise<void> {
    return this.#buffer.close(timeoutMs);
  }
}

/**
 * The routing key as stored: a 128-bit sha256 prefix, enough to count units without keeping the
 * key. Given as text or as its UTF-8 bytes, the same key gets the same hash.
 */
export function hashRoutingKey(key: string | Uint8Array): string {
  return hash('sha256', key, 'base64url').slice(0, 22);
}

/** The version label of a `name@version` ref, as the log and the rollups store it. */
export function versionLabel(ref: string | null): string | null {
  if (ref === null) return null;
  const at = ref.indexOf('@');
  return at >= 0 ? ref.slice(at + 1) : ref;
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
