/**
 * The total of the first event (Ir, instructions executed) in a callgrind output file: its
 * `totals:` line, or the `summary:` line older versions write.
 */
export function callgrindTotal(text: string): number {
  const line = /^(?:totals|summary):\s*(\d+)/m.exec(text);
  if (!line) throw new Error('callgrind output has no totals: or summary: line');
  return Number(line[1]);
}

const FUNCTION = /^(c?)fn=\((\d+)\)(?: (.*))?$/;
const COMPILER = 'v8::internal::compiler::';

/**
 * Instructions executed in V8's optimizing compiler (functions in `v8::internal::compiler::`):
 * the self cost of each such function, summed. Names are compressed in the file (`fn=(12) name`
 * once, then `fn=(12)`, and `cfn=` lines name callees too); the cost line after a `calls=` line is
 * the call's inclusive cost, which belongs to the callee, so it is skipped.
 */
export function callgrindCompilerCost(text: string): number {
  const names = new Map<string, string>();
  let inCompiler = false;
  let callCost = false;
  let cost = 0;
  for (const line of text.split('\n')) {
    const fn = FUNCTION.exec(line);
    if (fn) {
      const [, callee, id = '', given] = fn;
      if (given !== undefined) names.set(id, given);
      if (!callee) inCompiler = (names.get(id) ?? '').includes(COMPILER);
    } else if (line.startsWith('calls=')) {
      callCost = true;
    } else if (/^[0-9+*-]/.test(line)) {
      if (callCost) callCost = false;
      else if (inCompiler) cost += Number(line.split(' ')[1] ?? 0);
    }
  }
  return cost;
}
