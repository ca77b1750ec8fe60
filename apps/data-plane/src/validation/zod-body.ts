import type { z } from 'zod';
import type { Problem } from '../errors.ts';
import { isPlainObject } from '../protocol/tensor.ts';
import { invalidInput } from './issues.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Validates a JSON body's structure; a failure names every offending field (see invalidInput). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  if (!isPlainObject(body)) {
    return { ok: false, problem: { code: 'BAD_REQUEST', message: 'request body must be a JSON object' } };
  }
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: fieldPath(issue.path),
    message: issue.message,
  }));
  return { ok: false, problem: invalidInput(issues) };
}

/** `inputs[0].name`, as the rest of the API writes paths. */
function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
