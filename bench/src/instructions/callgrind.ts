/**
 * The total of the first event (Ir, instructions executed) in a callgrind output file: its
 * `totals:` line, or the `summary:` line older versions write.
 */
export function callgrindTotal(text: string): number {
  const line = /^(?:totals|summary):\s*(\d+)/m.exec(text);
  if (!line) throw new Error('callgrind output has no totals: or summary: line');
  return Number(line[1]);
}
