/**
 * A JSON response body split around the id it echoes, so that a remembered answer (cache/hit-memo.ts)
 * goes out again with each request's own id: `head + JSON.stringify(id) + tail`.
 */
export interface ResponseText {
  readonly head: string;
  /** The id the body echoes when the request fixed it (OIP's `id`); null: the server's request id. */
  readonly id: string | null;
  readonly tail: string;
}

/** The body to send for `text` as the answer to request `requestId`. */
export function responseBody(text: ResponseText, requestId: string): string {
  return `${text.head}${JSON.stringify(text.id ?? requestId)}${text.tail}`;
}
