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
 * The self cost (instructions executed in the function itself, not in its callees) of every
 * function, by name. Names are compressed in the file (`fn=(12) name` once, then `fn=(12)`, and
 * `cfn=` lines name callees too); the cost line after a `calls=` line is the call's inclusive
 * cost, which belongs to the callee, so it is skipped.
 */
export function callgrindSelfCosts(text: string): Map<string, number> {
  const names = new Map<string, string>();
  const costs = new Map<string, number>();
  let current = '';
  let callCost = false;
  for (const line of text.split('\n')) {
    const fn = FUNCTION.exec(line);
    if (fn) {
      const [, callee, id = '', given] = fn;
      if (given !== undefined) names.set(id, given);
      if (!callee) current = names.get(id) ?? `(${id})`;
    } else if (line.startsWith('calls=')) {
      callCost = true;
    } else if (/^[0-9+*-]/.test(line)) {
      if (callCost) callCost = false;
      else costs.set(current, (costs.get(current) ?? 0) + Number(line.split(' ')[1] ?? 0));
    }
  }
  return costs;
}

/** Instructions executed in V8's optimizing compiler (functions in `v8::internal::compiler::`). */
export function callgrindCompilerCost(text: string): number {
  let cost = 0;
  for (const [name, self] of callgrindSelfCosts(text)) if (name.includes(COMPILER)) cost += self;
  return cost;
}
