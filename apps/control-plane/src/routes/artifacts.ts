import { Readable } from 'node:stream';
import { ARTIFACT_CHUNK_BYTES, findArtifact, putArtifactStream, readArtifactChunks } from '@modelplane/db';
import {
  CONTROL_ROLES,
  type ControlRole,
  type ErrorCode,
  isDomainError,
  Sha256Schema,
} from '@modelplane/schemas';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import { authenticate, bearerToken, type Principal } from '../auth.ts';
import { requestOrigin } from '../context.ts';
import type { Deps } from '../deps.ts';
import { runMutation } from '../services/mutation.ts';
import { SpoolTooLargeError, spoolUpload } from './upload-spool.ts';

/** Options for {@link artifactRoutes}. */
export interface ArtifactRoutesOptions {
  deps: Deps;
  /** Largest upload in bytes; default {@link DEFAULT_ARTIFACT_MAX_BYTES}. */
  maxBytes?: number;
}

/** Uploads above this are refused with 413 unless the server is configured otherwise. */
export const DEFAULT_ARTIFACT_MAX_BYTES = 512 * 1024 * 1024;

/** What a successful upload returns; `uri` goes straight into a version's `artifact`. */
export interface UploadedArtifact {
  uri: string;
  sha256: string;
  sizeBytes: number;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

const principals = new WeakMap<FastifyRequest, Principal>();

/**
 * `PUT /artifacts` (operator or admin): stores a raw `application/octet-stream` body content-addressed
 * by its sha256; `x-artifact-sha256`, if sent, must match. The body streams to a temporary file
 * (hashed as it arrives) and from there into Postgres chunk by chunk, so memory stays at a few MiB
 * whatever the artifact's size. `GET /artifacts/:sha256` (viewer and up) streams it back. Errors
 * are `{ error: { code, message } }`.
 */
export async function artifactRoutes(app: FastifyInstance, options: ArtifactRoutesOptions): Promise<void> {
  const { deps } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_ARTIFACT_MAX_BYTES;

  // The raw request stream: the route spools it, enforcing the limit as the bytes arrive.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDomainError(error) && STATUS[error.code]) return fail(reply, error.code, error.message);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return fail(reply, 'PAYLOAD_TOO_LARGE', `artifact exceeds the ${maxBytes}-byte limit`);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return fail(reply, 'UNSUPPORTED_MEDIA_TYPE', OCTETS);
    if (typeof error.statusCode === 'number' && error.statusCode < 500) {
      return fail(reply, 'BAD_REQUEST', 'malformed request');
    }
    request.log.error({ err: error }, 'artifact request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  app.put(
    '/artifacts',
    { bodyLimit: maxBytes, onRequest: requireRole(deps, 'operator') },
    async (request, reply) => {
      const body = request.body;
      if (!(body instanceof Readable)) return fail(reply, 'UNSUPPORTED_MEDIA_TYPE', OCTETS);
      const declared = Number(request.headers['content-length']);
      if (declared > maxBytes) return tooLarge(reply, maxBytes);
      let spool: Awaited<ReturnType<typeof spoolUpload>>;
      try {
        spool = await spoolUpload(body, maxBytes);
      } catch (error) {
        if (error instanceof SpoolTooLargeError) return tooLarge(reply, maxBytes);
        throw error;
      }
      try {
        if (spool.sizeBytes === 0) return fail(reply, 'BAD_REQUEST', 'the artifact is empty');
        const claimed = request.headers['x-artifact-sha256'];
        if (claimed !== undefined && claimed !== spool.sha256) {
          return fail(
            reply,
            'BAD_REQUEST',
            `x-artifact-sha256 does not match the uploaded bytes (sha256 ${spool.sha256})`,
          );
        }
        const principal = principals.get(request) as Principal;
        const expected = { digest: spool.sha256, sizeBytes: spool.sizeBytes };
        const stored = await runMutation(deps, principal, async ({ tx, audit }) => {
          const chunks = spool.read(ARTIFACT_CHUNK_BYTES);
          const result = await putArtifactStream(tx, expected, chunks, principal.actor);
          const view = { sha256: result.digest, sizeBytes: result.sizeBytes, created: result.created };
          await audit({ action: 'artifacts.upload', target: `artifact://${result.digest}`, after: view });
          return result;
        });
        const response: UploadedArtifact = {
          uri: `artifact://${stored.digest}`,
          sha256: stored.digest,
          sizeBytes: stored.sizeBytes,
        };
        return reply.code(stored.created ? 201 : 200).send(response);
      } finally {
        await spool.remove();
      }
    },
  );

  app.get<{ Params: { sha256: string } }>(
    '/artifacts/:sha256',
    { onRequest: requireRole(deps, 'viewer') },
    async (request, reply) => {
      const { sha256 } = request.params;
      if (!Sha256Schema.safeParse(sha256).success) {
        return fail(reply, 'BAD_REQUEST', 'sha256 must be 64 lowercase hex characters');
      }
      const info = await findArtifact(deps.db, sha256);
      if (!info) return fail(reply, 'NOT_FOUND', `no artifact with sha256 ${sha256}`);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(info.sizeBytes))
        .header('x-artifact-sha256', sha256)
        .send(Readable.from(readArtifactChunks(deps.db, sha256)));
    },
  );
}

const OCTETS = 'content-type must be application/octet-stream';

/** The body is over the limit: answer 413 and close, rather than read the rest of it. */
function tooLarge(reply: FastifyReply, maxBytes: number): FastifyReply {
  reply.header('connection', 'close');
  return fail(reply, 'PAYLOAD_TOO_LARGE', `artifact exceeds the ${maxBytes}-byte limit`);
}

/** Authenticates before the body is read, so an anonymous client cannot make us buffer 512 MiB. */
function requireRole(deps: Deps, minimum: ControlRole): onRequestHookHandler {
  return async (request, reply) => {
    const principal = await authenticate(deps, bearerToken(request.headers.authorization));
    if (!principal) return fail(reply, 'UNAUTHORIZED', 'a valid bearer token is required');
    // CONTROL_ROLES is ordered by power; predict is absent from it, so it never qualifies.
    const rank = CONTROL_ROLES.indexOf(principal.role as ControlRole);
    if (rank < CONTROL_ROLES.indexOf(minimum)) {
      return fail(reply, 'FORBIDDEN', `the ${principal.role} role cannot do this (needs ${minimum})`);
    }
    principals.set(request, { ...principal, origin: requestOrigin(request) });
  };
}

function fail(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.code(STATUS[code] ?? 500).send({ error: { code, message } });
}
