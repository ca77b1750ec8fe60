import type { PredictionLogInput } from './prediction-log-row.ts';
import { storableJson, storableText } from './storable-text.ts';

/** The prediction log's columns in the order of {@link predictionLogLine}'s fields. */
export const PREDICTION_LOG_COLUMNS = `request_id, created_at, model, assigned_version, served_version, revision,
  routing_key_hash, sticky, pinned, input_hash, latency_ms, served_from, status, error_code, replica_id, payload`;

/**
 * One row in COPY's text format: tab-separated columns, `\N` for null, ending in a newline. The
 * data plane encodes each row as it is logged, so what waits for the next batch is bytes, not
 * objects the garbage collector has to copy and promote.
 */
export function predictionLogLine(r: PredictionLogInput): string {
  return `${field(r.requestId)}\t${timestampText(r.createdAt)}\t${field(r.model)}\t${field(r.assignedVersion)}\t${field(r.servedVersion)}\t${number(r.revision)}\t${field(r.routingKeyHash)}\t${r.sticky ? 't' : 'f'}\t${r.pinned ? 't' : 'f'}\t${field(r.inputHash)}\t${number(r.latencyMs)}\t${field(r.servedFrom)}\t${number(r.status)}\t${field(r.errorCode)}\t${field(r.replicaId)}\t${field(r.payloadJson === null ? null : storableJson(r.payloadJson))}\n`;
}

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
      requestId: f[0] as string,
      createdAt: new Date(f[1] as string),
      model: f[2] as string,
      assignedVersion: f[3] ?? null,
      servedVersion: f[4] ?? null,
      revision: f[5] == null ? null : Number(f[5]),
      routingKeyHash: f[6] ?? null,
      sticky: f[7] === 't',
      pinned: f[8] === 't',
      inputHash: f[9] ?? null,
      latencyMs: Number(f[10]),
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

/** `date.toISOString()`, e.g. `2026-12-06T21:30:37.630Z`. */
function timestampText(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = date.toISOString();
    // Years outside 0000-9999 print with a sign and six digits: not worth a cache.
    if (iso.length !== 24) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  return `${cachedPrefix}${String(ms - second * 1000).padStart(3, '0')}Z`;
}
