import type { Readable } from 'node:stream';
import { request } from 'undici';
import { ArtifactFetchError } from './artifact-errors.ts';
import { checkUrl, createGuardedAgent, type NetworkPolicy } from './network-policy.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Enough for a CDN or a presigning proxy; a loop ends here. */
const MAX_REDIRECTS = 5;

/**
 * Opens an http(s) artifact through an agent that enforces `policy` on every connection. Redirects
 * are followed by hand, at most {@link MAX_REDIRECTS}, and each hop's URL is checked again (scheme,
 * allowlist, address) before it is requested. `signal` bounds the whole download, body included.
 * The agent closes when the body ends or fails.
 */
export async function openHttpArtifact(
  start: URL,
  options: { ref: string; maxBytes: number; policy: NetworkPolicy; signal: AbortSignal },
): Promise<AsyncIterable<Uint8Array>> {
  const agent = createGuardedAgent(options.policy, { connections: 1 });
  const close = () => void agent.close().catch(() => {});
  try {
    let url = start;
    for (let hop = 0; ; hop++) {
      checkUrl(url, options.policy);
      const response = await request(url, { dispatcher: agent, signal: options.signal, method: 'GET' });
      const { statusCode, headers, body } = response;
      const location = headers.location;
      if (REDIRECTS.has(statusCode) && typeof location === 'string') {
        await body.dump().catch(() => {});
        if (hop >= MAX_REDIRECTS) {
          throw new ArtifactFetchError(
            `downloading the artifact for ${options.ref} failed: too many redirects`,
            {
              detail: `more than ${MAX_REDIRECTS} redirects from ${safeUrl(start)}`,
            },
          );
        }
        url = new URL(location, url);
        continue;
      }
      if (statusCode < 200 || statusCode >= 300) {
        await body.dump().catch(() => {});
        throw new ArtifactFetchError(
          `downloading the artifact for ${options.ref} failed: HTTP ${statusCode}`,
          {
            detail: `GET ${safeUrl(url)} answered ${statusCode}`,
          },
        );
      }
      const declared = Number(headers['content-length'] ?? Number.NaN);
      if (declared > options.maxBytes) {
        discard(body);
        throw new ArtifactFetchError(
          `artifact for ${options.ref} is larger than the ${options.maxBytes}-byte limit`,
        );
      }
      return closing(body, close);
    }
  } catch (error) {
    close();
    throw error;
  }
}

/** Yields the body, then closes the agent however iteration ends. */
async function* closing(body: Readable, close: () => void): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } finally {
    discard(body);
    close();
  }
}

/** Drops a body we will not read; undici reports that as an error nobody needs to hear. */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/** A URL fit for the log: presigned query strings and credentials never leave here. */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
