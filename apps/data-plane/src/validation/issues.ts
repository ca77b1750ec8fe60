import type { Problem } from '../errors.ts';

/** One failing field: where it is in the request body and what is wrong with it. */
export interface Issue {
  path: string;
  message: string;
}

/** A request names at most this many failing fields; past it, collecting stops (the rest is noise). */
export const MAX_ISSUES = 50;
// OIP errors are one string, so the message itself names the fields too (up to this many).
const IN_MESSAGE = 10;

/**
 * 400 INVALID_INPUT naming every failing field: `details` lists them all as `{ path, message }`, and
 * the message names the first few as `path: message; path: message`.
 */
export function invalidInput(issues: readonly Issue[]): Problem {
  const shown = issues
    .slice(0, IN_MESSAGE)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  const more = issues.length > IN_MESSAGE ? `; and ${issues.length - IN_MESSAGE} more` : '';
  return {
    code: 'INVALID_INPUT',
    message: shown + more,
    details: issues.slice(0, MAX_ISSUES).map((i) => ({ path: i.path, message: i.message })),
  };
}

/** A decoder's `path: message` error as an issue (a message without a path names the body). */
export function issueFromMessage(message: string): Issue {
  const colon = message.indexOf(': ');
  if (colon <= 0) return { path: 'body', message };
  return { path: message.slice(0, colon), message: message.slice(colon + 2) };
}
