import { ArtifactIntegrityError } from './artifact-cache.ts';
import { HostNotAllowedError } from './remote/remote-target.ts';

/** ONNX Runtime refused the model (corrupt file, unsupported operator or type): it cannot serve. */
export class SessionCreateError extends Error {
  constructor(
    ref: string,
    readonly detail: string,
  ) {
    super(`${ref}: ONNX Runtime could not create a session: ${detail}`);
    this.name = 'SessionCreateError';
  }
}

/** The version's registered warm-up request failed: its owner said this request must work. */
export class WarmupFailedError extends Error {
  constructor(
    ref: string,
    readonly detail: string,
  ) {
    super(`${ref}: the registered warm-up request failed: ${detail}`);
    this.name = 'WarmupFailedError';
  }
}

const MAX_REASON_LENGTH = 300;

/**
 * Why a version failed to load, short and safe to show any caller: no URIs, file paths, hosts or
 * digests other than the registered one. The full error goes to the log.
 */
export function safeLoadReason(error: unknown, registeredSha256: string | undefined): string {
  if (error instanceof ArtifactIntegrityError) {
    return `its artifact failed sha256 verification (registered sha256 ${error.expected})`;
  }
  if (error instanceof HostNotAllowedError)
    return "its backend host is not on this replica's BACKEND_HOST_ALLOWLIST";
  if (error instanceof WarmupFailedError) {
    return `its registered warm-up request failed: ${scrub(error.detail, registeredSha256)}`;
  }
  if (error instanceof SessionCreateError) {
    return `ONNX Runtime could not create a session: ${scrub(error.detail, registeredSha256)}`;
  }
  return scrub(error instanceof Error ? error.message : String(error), registeredSha256);
}

/** Removes what could locate infrastructure from an error message, and bounds its length. */
export function scrub(text: string, registeredSha256?: string): string {
  const clean = text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<uri>')
    .replace(/(^|[\s'"(=:[{,])(?:[A-Za-z]:)?[/\\](?:[\w.@+~-]+[/\\])*[\w.@+~-]+/g, '$1<path>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<host>')
    .replace(/\[[0-9a-f:]+\](?::\d+)?/gi, '<host>')
    .replace(/\b[a-z0-9-]+(?:\.[a-z0-9-]+)+:\d{2,5}\b/gi, '<host>')
    .replace(/\b[0-9a-f]{64}\b/g, (digest) => (digest === registeredSha256 ? digest : '<digest>'))
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > MAX_REASON_LENGTH ? `${clean.slice(0, MAX_REASON_LENGTH)}...` : clean;
}
