// Postgres text and jsonb cannot hold U+0000, and one such value fails the whole batch it travels
// in (every row of it, on every retry). Log rows carry client-supplied text (model names from the
// path, request inputs in payloads), so a NUL is replaced by U+FFFD, as a decoder marks bad input.

const NUL = '\u0000';
/** A JSON `\u0000` escape, not one whose backslash is itself escaped (`\\u0000` is literal text). */
const JSON_NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** `value` with any NUL replaced by U+FFFD. */
export function storableText(value: string): string {
  return value.includes(NUL) ? value.replaceAll(NUL, '\uFFFD') : value;
}

/** JSON text whose `\u0000` escapes are replaced by `\ufffd`, so jsonb accepts it. */
export function storableJson(json: string): string {
  return json.includes('\\u0000') ? json.replace(JSON_NUL_ESCAPE, '$1\\ufffd') : json;
}
