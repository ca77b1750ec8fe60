// Just enough of the source map v3 format to answer "which source file is this generated position
// from?" for a CPU profile. A full library would add a dependency for one lookup.

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The subset of a source map this file reads. */
export interface RawSourceMap {
  sources: string[];
  mappings: string;
  sourceRoot?: string;
}

/** Decodes one segment's base64 VLQ fields. */
export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`source map: bad VLQ character ${JSON.stringify(char)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** Maps generated (line, column), both 0-based, to the source file they came from. */
export class SourceLookup {
  /** Per generated line: columns ascending, and the source index of each segment (-1: none). */
  readonly #lines: { columns: number[]; sources: number[] }[] = [];
  readonly #sources: string[];

  constructor(map: RawSourceMap) {
    this.#sources = map.sources.map((s) => (map.sourceRoot ? `${map.sourceRoot}${s}` : s));
    let source = 0;
    for (const line of map.mappings.split(';')) {
      const columns: number[] = [];
      const sources: number[] = [];
      let column = 0;
      for (const segment of line.split(',')) {
        if (segment === '') continue;
        const fields = decodeVlq(segment);
        column += fields[0] ?? 0;
        columns.push(column);
        if (fields.length >= 4) {
          source += fields[1] ?? 0;
          sources.push(source);
        } else {
          sources.push(-1);
        }
      }
      this.#lines.push({ columns, sources });
    }
  }

  /** The source of the last segment at or before the position, or null. */
  sourceAt(line: number, column: number): string | null {
    const entry = this.#lines[line];
    if (!entry || entry.columns.length === 0) return null;
    let lo = 0;
    let hi = entry.columns.length - 1;
    if ((entry.columns[0] ?? 0) > column) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((entry.columns[mid] ?? 0) <= column) lo = mid;
      else hi = mid - 1;
    }
    const index = entry.sources[lo] ?? -1;
    return index < 0 ? null : (this.#sources[index] ?? null);
  }
}
