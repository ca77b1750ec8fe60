// Postgres text and jsonb cannot hold U+0000, and jsonb refuses a `\uXXXX` escape of a lone UTF-16
// surrogate (JSON.stringify writes one for a string like "\ud800"). One such value fails the whole
// batch it travels in (every row of it, on every retry). Log rows carry client-supplied text (model
// names from the path, request inputs in payloads), so such characters are replaced by U+FFFD, as
// a decoder marks bad input. Raw lone surrogates in text need nothing: UTF-8 encoding replaces them.

const NUL = '\u0000';
/** A `\u` escape, or any other escape (consumed whole, so `\\u0000` is read as literal text). */
const JSON_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|[^u])/g;
/** An escape storableJson may have to rewrite: NUL or a surrogate. */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
const LOW_SURROGATE_ESCAPE = /^\\u[dD][c-fC-F][0-9a-fA-F]{2}/;
const REPLACEMENT_ESCAPE = '\\ufffd';

/** `value` with any NUL replaced by U+FFFD. */
export function storableText(value: string): string {
  return value.includes(NUL) ? value.replaceAll(NUL, '\uFFFD') : value;
}

/**
 * JSON text jsonb accepts: `\u0000` escapes and escapes of lone surrogates (a high one not followed
 * by a low one, a low one not preceded by a high one) become `\ufffd`; surrogate pairs are kept.
 */
export function storableJson(json: string): string {
  if (!SUSPECT_ESCAPE.test(json)) return json;
  let pairedLowAt = -1;
  return json.replace(JSON_ESCAPE, (match: string, hex: string | undefined, offset: number) => {
    if (hex === undefined) return match;
    const code = Number.parseInt(hex, 16);
    if (code === 0) return REPLACEMENT_ESCAPE;
    if (code >= 0xd800 && code <= 0xdbff) {
      if (!LOW_SURROGATE_ESCAPE.test(json.slice(offset + 6, offset + 12))) return REPLACEMENT_ESCAPE;
      pairedLowAt = offset + 6;
      return match;
    }
    if (code >= 0xdc00 && code <= 0xdfff && offset !== pairedLowAt) return REPLACEMENT_ESCAPE;
    return match;
  });
}
