/**
 * The artifact could not be read from its source (missing, unreachable, refused, too large, too
 * slow). `message` reaches `traffic.get` viewers, so it names the version and a short reason but no
 * host, address or path; `detail` carries those, for the replica's log only.
 */
export class ArtifactFetchError extends Error {
  readonly detail: string | undefined;
  constructor(message: string, options: { cause?: unknown; detail?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArtifactFetchError';
    this.detail = options.detail;
  }
}
