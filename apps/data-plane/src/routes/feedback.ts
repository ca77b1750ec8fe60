import { FeedbackRequestSchema } from '@modelplane/schemas';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../errors.ts';
import type { FeedbackWriter } from '../telemetry/feedback-writer.ts';
import { parseBody } from '../validation/zod-body.ts';

/** What the feedback route needs: the replica's writer, or null when it has no database. */
export interface FeedbackRouteOptions {
  feedback: FeedbackWriter | null;
}

/**
 * `POST /v1/feedback` `{requestId, outcome, model?}`: 202 for any valid feedback, known request id
 * or not (matching happens in SQL, and `compare` reports what matched nothing). Feedback is never
 * dropped silently: when the buffer is full the caller gets 503 with Retry-After and sends it again.
 */
export async function feedbackRoutes(app: FastifyInstance, options: FeedbackRouteOptions): Promise<void> {
  app.post('/v1/feedback', async (request, reply) => {
    const parsed = parseBody(FeedbackRequestSchema, request.body);
    if (!parsed.ok) return sendProblem(request, reply, parsed.problem);
    const writer = options.feedback;
    if (!writer) {
      return sendProblem(request, reply, {
        code: 'UNAVAILABLE',
        message: 'this replica has no database to store feedback in',
        retryAfterSeconds: 60,
      });
    }
    if (!writer.accept(parsed.value)) {
      return sendProblem(request, reply, {
        code: 'UNAVAILABLE',
        message: 'the feedback buffer is full; send it again later',
        retryAfterSeconds: writer.buffer.retryAfterSeconds,
      });
    }
    return reply.code(202).send({ accepted: true, requestId: parsed.value.requestId });
  });
}
