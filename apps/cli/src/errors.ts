import { ArtifactUploadError, describeClientError } from '@modelplane/client';

/** A mistake in how the CLI was called: exit status 2, and nothing was sent to the server. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A change was stored but did not land on every live replica in time (or failed on one): exit status 1. */
export class RolloutError extends Error {
  override name = 'RolloutError';
}

/** Exit statuses scripts can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The single `error: ...` line and exit status for anything a command throws. */
export function describeFailure(error: unknown, url: string): { line: string; exitCode: number } {
  if (error instanceof UsageError) return { line: `error: ${oneLine(error.message)}`, exitCode: EXIT_USAGE };
  if (error instanceof RolloutError)
    return { line: `error: ${oneLine(error.message)}`, exitCode: EXIT_FAILURE };
  if (error instanceof ArtifactUploadError) {
    return {
      line: `error: upload failed: ${oneLine(error.message)} (${error.code})`,
      exitCode: EXIT_FAILURE,
    };
  }
  const failure = describeClientError(error);
  switch (failure.kind) {
    case 'api':
      return { line: `error: ${oneLine(failure.message)} (${failure.code})`, exitCode: EXIT_FAILURE };
    case 'network':
      return {
        line: `error: cannot reach the control plane at ${url}: ${oneLine(failure.message)}`,
        exitCode: EXIT_FAILURE,
      };
    case 'timeout':
      return { line: `error: the control plane at ${url} did not answer in time`, exitCode: EXIT_FAILURE };
    default:
      return { line: `error: ${oneLine(failure.message)}`, exitCode: EXIT_FAILURE };
  }
}

// Scripts read stderr line by line; a multi-line message would look like several errors.
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim() || 'unknown error';
}
