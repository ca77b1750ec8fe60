import type { PredictionLogInput } from './prediction-log-row.ts';
import { storableJson, storableText } from './storable-text.ts';

/**
 * The prediction log's columns in the order of {@link predictionLogLine}'s fields. The three that
 * cost the most to format (the time, the latency and the routing key's hash) come first, so the
 * data plane can keep a row's tail as text when it logs it and write the head when the batch is
 * written, in one tight loop (see the data plane's telemetry/prediction-log.ts).
 */
export const PREDICTION_LOG_COLUMNS = `created_at, latency_ms, routing_key_hash, request_id, model, assigned_version,
  served_version, revision, sticky, pinned, input_hash, served_from, status, error_code, replica_id, payload`;

/** The fields of a row's tail: every column but the three of {@link predictionLogHead}. */
export type PredictionLogTail = Omit<PredictionLogInput, 'createdAt' | 'latencyMs' | 'routingKeyHash'>;

/**
 * One row in COPY's text format: tab-separated columns, `\N` for null, ending in a newline. The
 * data plane writes the same line in two parts: the tail when a row is logged, the head when its
 * batch is written.
 */
export function predictionLogLine(r: PredictionLogInput): string {
  return predictionLogHead(r.createdAt.getTime(), r.latencyMs, r.routingKeyHash) + predictionLogTail(r);
}

/** The first three columns of a row's line, each followed by its tab. ASCII only. */
export function predictionLogHead(
  createdAtMs: number,
  latencyMs: number,
  routingKeyHash: string | null,
): string {
  return `${timestampText(createdAtMs)}\t${String(latencyMs)}\t${field(routingKeyHash)}\t`;
}

/** The rest of a row's line, from `request_id` to its newline. */
export function predictionLogTail(r: PredictionLogTail): string {
  return `${field(r.requestId)}\t${model.of(r.model)}\t${assigned.of(r.assignedVersion)}\t${served.of(r.servedVersion)}\t${number(r.revision)}\t${r.sticky ? 't' : 'f'}\t${r.pinned ? 't' : 'f'}\t${field(r.inputHash)}\t${servedFrom.of(r.servedFrom)}\t${number(r.status)}\t${errorCode.of(r.errorCode)}\t${replica.of(r.replicaId)}\t${field(r.payloadJson === null ? null : storableJson(r.payloadJson))}\n`;
}

/**
 * A column whose value is mostly the one of the row before (a replica logs the same model, versions
 * and replica id row after row): that value's field is kept, so it is scanned once, not per row.
 */
class RepeatedField {
  #text: string | null = null;
  /** The field of null, which `#text` starts as. */
  #field = '\\N';

  of(text: string | null): string {
    if (text !== this.#text) {
      this.#field = field(text);
      this.#text = text;
    }
    return this.#field;
  }
}

const model = new RepeatedField();
const assigned = new RepeatedField();
const served = new RepeatedField();
const servedFrom = new RepeatedField();
const errorCode = new RepeatedField();
const replica = new RepeatedField();

/** Rows in COPY's text format, one line each. */
export function predictionLogText(rows: readonly PredictionLogInput[]): string {
  let text = '';
  for (const row of rows) text += predictionLogLine(row);
  return text;
}

/**
 * The rows of {@link predictionLogText} read back, for an engine without COPY (PGlite): each line
 * split at its tabs, escapes undone, each column typed as it was given.
 */
export function parsePredictionLogText(text: string): PredictionLogInput[] {
  const rows: PredictionLogInput[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t').map(unescapeField);
    if (f.length !== 16) throw new Error(`prediction log text: expected 16 columns, got ${f.length}`);
    rows.push({
      createdAt: new Date(f[0] as string),
      latencyMs: Number(f[1]),
      routingKeyHash: f[2] ?? null,
      requestId: f[3] as string,
      model: f[4] as string,
      assignedVersion: f[5] ?? null,
      servedVersion: f[6] ?? null,
      revision: f[7] == null ? null : Number(f[7]),
      sticky: f[8] === 't',
      pinned: f[9] === 't',
      inputHash: f[10] ?? null,
      servedFrom: f[11] ?? null,
      status: Number(f[12]),
      errorCode: f[13] ?? null,
      replicaId: f[14] as string,
      payloadJson: f[15] ?? null,
    });
  }
  return rows;
}

// This runs for every prediction a replica serves, so the common case is one scan per field: text
// with nothing COPY must escape and no NUL is used as it is.
const SPECIAL = /[\0\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

function field(text: string | null): string {
  if (text === null) return '\\N';
  if (!SPECIAL.test(text)) return text;
  return storableText(text).replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string);
}

function unescapeField(text: string): string | null {
  if (text === '\\N') return null;
  return text.includes('\\') ? text.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : text;
}

function number(value: number | null): string {
  return value === null ? '\\N' : String(value);
}

// Rows arrive in time order, thousands per second: the date and time up to the second are worked
// out once per second, not once per row.
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `new Date(at).toISOString()`, e.g. `2026-12-06T21:30:37.630Z`: to the millisecond, as a Date holds it. */
function timestampText(at: number): string {
  const ms = Math.trunc(at);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(ms).toISOString();
    // Years outside 0000-9999 print with a sign and six digits: not worth a cache.
    if (iso.length !== 24) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  return cachedPrefix + (MILLISECONDS_Z[ms - second * 1000] as string);
}

/** `000Z` to `999Z`: the end of a timestamp, looked up rather than formatted for every row. */
const MILLISECONDS_Z = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);
