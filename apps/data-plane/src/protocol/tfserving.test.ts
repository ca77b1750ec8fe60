import { PredictRequestSchema } from '@modelplane/schemas';
import { describe, expect, it } from 'vitest';
import { isPlainPredictBody, tfserving } from './tfserving.ts';

// Bodies as clients send them (parsed from JSON text, so `__proto__` is an own key as on the wire).
const BODIES = [
  '{"instances":[{"a":1}]}',
  '{"instances":[],"routingKey":"user-1"}',
  '{"inputs":{"a":[1,2]},"signature_name":"serving_default"}',
  '{"inputs":null}',
  '{"inputs":[1],"routingKey":"k"}',
  '{"instances":null}',
  '{"instances":{"a":1}}',
  '{"instances":[1],"inputs":[1]}',
  '{}',
  '{"instances":[1],"extra":true}',
  '{"instances":[1],"routingKey":""}',
  `{"instances":[1],"routingKey":"${'k'.repeat(256)}"}`,
  `{"instances":[1],"routingKey":"${'k'.repeat(257)}"}`,
  '{"instances":[1],"routingKey":7}',
  `{"instances":[1],"signature_name":"${'s'.repeat(257)}"}`,
  '{"instances":[1],"signature_name":null}',
  '{"instances":[1],"__proto__":{"x":1}}',
  '[{"instances":[1]}]',
  '"instances"',
];

describe('the TF Serving body check', () => {
  it.each(BODIES)('agrees with PredictRequestSchema on %s', (text) => {
    const body: unknown = JSON.parse(text);
    const reference = PredictRequestSchema.safeParse(body);
    const checked = tfserving.check(body);
    expect(checked.ok).toBe(reference.success && typeof body === 'object' && !Array.isArray(body));
    if (checked.ok && reference.success) expect(checked.value).toEqual(reference.data);
    // The shortcut never accepts what the schema refuses.
    if (isPlainPredictBody(body)) expect(reference.success).toBe(true);
  });

  it('still names the bad field when the shortcut declines', () => {
    const checked = tfserving.check({ instances: [1], routingKey: '' });
    expect(checked.ok).toBe(false);
    if (!checked.ok)
      expect(checked.problem.details).toEqual([{ path: 'routingKey', message: expect.any(String) }]);
  });
});
