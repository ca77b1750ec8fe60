/** Where a command's result goes: a human table by default, the raw JSON result with `--json`. */
export interface Output {
  readonly json: boolean;
  /** Prints `value` as JSON under `--json`, otherwise the lines `render` makes from it. */
  result<T>(value: T, render: (value: T) => string[]): void;
}

/** Writes to the given stream functions (process.stdout in main.ts, a buffer in tests). */
export function createOutput(json: boolean, write: (text: string) => void): Output {
  return {
    json,
    result(value, render) {
      const lines = json ? [JSON.stringify(value, null, 2)] : render(value);
      if (lines.length > 0) write(`${lines.join('\n')}\n`);
    },
  };
}

/** Left-aligned columns separated by two spaces; `-` stands in for missing (null) values. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string[] {
  const cells = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(headers), ...cells.map(format)];
}

/** `key  value` lines with the keys aligned, for a single object. */
export function keyValues(pairs: [string, string | number | null | undefined][]): string[] {
  const width = Math.max(...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `${key.padEnd(width)}  ${cellText(value)}`.trimEnd());
}

function cellText(value: string | number | null | undefined): string {
  return value === null || value === undefined ? '-' : String(value);
}

/** Basis points as a percentage: 1000 → `10%`, 1250 → `12.5%`, 1 → `0.01%`. */
export function formatPercent(bp: number): string {
  return `${Number((bp / 100).toFixed(2))}%`;
}

/** An ISO timestamp shortened to the second, in UTC: `2025-01-31 12:00:05Z`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return `${iso.slice(0, 19).replace('T', ' ')}Z`;
}
