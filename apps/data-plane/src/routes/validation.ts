import type { z } from 'zod';
import type { Problem } from '../errors.ts';
import { isPlainObject } from '../protocol/tensor.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Validates a JSON body's structure; a failure names the first offending field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  if (!isPlainObject(body)) {
    return { ok: false, problem: { code: 'BAD_REQUEST', message: 'request body must be a JSON object' } };
  }
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : 'body',
    message: issue.message,
  }));
  const first = issues[0] as { field: string; message: string };
  return {
    ok: false,
    problem: { code: 'INVALID_INPUT', message: `${first.field}: ${first.message}`, details: { issues } },
  };
}
