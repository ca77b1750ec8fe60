import { describe, expect, it } from 'vitest';
import { isLoopbackHost, resolvePredictAuth } from './predict-auth.ts';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['10.0.0.1', false],
    ['my-host.internal', false],
    ['127.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('resolvePredictAuth', () => {
  it.each([
    // setting, host, embedded → enabled, warns
    [undefined, '127.0.0.1', true, false, false],
    [undefined, '0.0.0.0', true, true, false],
    [undefined, '::', true, true, false],
    [undefined, '127.0.0.1', false, true, false],
    ['off', '0.0.0.0', true, false, true],
    ['off', '0.0.0.0', false, false, true],
    ['off', '127.0.0.1', true, false, false],
    ['on', '127.0.0.1', true, true, false],
  ] as const)(
    'PREDICT_AUTH=%s HOST=%s embedded=%s → on=%s, warning=%s',
    (setting, host, embedded, on, warns) => {
      const decision = resolvePredictAuth({ setting, host, embedded });
      expect(decision.enabled).toBe(on);
      expect(decision.warning !== null).toBe(warns);
    },
  );
});
