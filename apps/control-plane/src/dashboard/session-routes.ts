import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { endSession, hasCsrfToken, resolveSession, SESSION_COOKIE, startSession } from './sessions.ts';

const SignInBodySchema = z.object({ token: z.string().min(1).max(512) }).strict();

function problem(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });
}

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  // Secure whenever the page was reached over https (directly or via a trusted proxy's X-Forwarded-Proto).
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * The dashboard's sign-in: `POST /ui/session {token}` sets the session cookie and answers the
 * session (actor, role, CSRF token, expiry); `GET /ui/session` answers it again after a reload;
 * `DELETE /ui/session` (with the CSRF token) signs out.
 */
export async function dashboardSessionRoutes(app: FastifyInstance, options: { deps: Deps }): Promise<void> {
  const { deps } = options;
  const unavailable = (reply: FastifyReply, err: unknown, request: FastifyRequest) => {
    deps.logger.error({ err, requestId: request.id }, 'dashboard session lookup failed');
    return problem(reply, 503, 'UNAVAILABLE', 'service unavailable; try again shortly');
  };

  app.post('/ui/session', async (request, reply) => {
    // JSON only: a cross-site HTML form cannot send it, so nobody can sign a victim into their account.
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      return problem(reply, 415, 'INVALID_INPUT', 'send the token as JSON: {"token": "..."}');
    }
    const body = SignInBodySchema.safeParse(request.body);
    if (!body.success) {
      return problem(reply, 400, 'INVALID_INPUT', 'token: paste an API token (1 to 512 characters)');
    }
    let started: Awaited<ReturnType<typeof startSession>>;
    try {
      started = await startSession(deps, body.data.token.trim());
    } catch (err) {
      return unavailable(reply, err, request);
    }
    if (!started) {
      return problem(
        reply,
        401,
        'UNAUTHORIZED',
        'this token is unknown or revoked, or a predict token (the dashboard needs viewer, operator or admin)',
      );
    }
    reply.header(
      'set-cookie',
      sessionCookie(request, started.secret, deps.config.DASHBOARD_SESSION_TTL_SECONDS),
    );
    return reply.header('cache-control', 'no-store').send(started.session);
  });

  app.get('/ui/session', async (request, reply) => {
    try {
      const found = await resolveSession(deps, request);
      if (!found) return problem(reply, 401, 'UNAUTHORIZED', 'not signed in, or the session has expired');
      return reply.header('cache-control', 'no-store').send(found.session);
    } catch (err) {
      return unavailable(reply, err, request);
    }
  });

  app.delete('/ui/session', async (request, reply) => {
    try {
      const found = await resolveSession(deps, request);
      if (found && !hasCsrfToken(request, found.session)) {
        return problem(reply, 403, 'FORBIDDEN', 'missing or wrong x-csrf-token');
      }
      if (found) await endSession(deps, found.id);
    } catch (err) {
      return unavailable(reply, err, request);
    }
    return reply
      .header('set-cookie', sessionCookie(request, '', 0))
      .code(204)
      .send();
  });
}
