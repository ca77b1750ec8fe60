import { DomainError } from '@modelplane/schemas';
import { UnavailableError } from '../../errors.ts';

/** The version's remote backend cannot take the request now (unreachable, 503, circuit open). */
export class BackendUnavailableError extends UnavailableError {
  constructor(ref: string, reason: string, retryAfterSeconds = 1) {
    super(`the backend for ${ref} is unavailable: ${reason}`, retryAfterSeconds);
    this.name = 'BackendUnavailableError';
  }
}

/** The remote backend answered with something unusable: 502, never cached. */
export class BadGatewayError extends DomainError {
  constructor(ref: string, reason: string) {
    super('BAD_GATEWAY', `the backend for ${ref} returned an unusable response: ${reason}`);
    this.name = 'BadGatewayError';
  }
}
