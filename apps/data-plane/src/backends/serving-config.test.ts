import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { servingSettings } from './serving-config.ts';

const base = { DATABASE_URL: 'postgres://localhost/x' };

describe('serving configuration', () => {
  it('has defaults for every variable', () => {
    expect(servingSettings(parseConfig(base))).toEqual({
      network: { allowPrivateNetwork: false },
      artifacts: { fetchTimeoutMs: 120_000 },
      remote: {
        hostAllowlist: [],
        maxResponseBytes: 16 * 1024 * 1024,
        connectTimeoutMs: 2000,
        connectionsPerOrigin: 64,
        loadTimeoutMs: 10_000,
        breaker: { failureThreshold: 5, openMs: 5000, maxOpenMs: 60_000 },
        budget: { ratio: 0.2, minRetries: 3 },
        retryBackoffMs: 50,
      },
      execution: {
        maxDeadlineMs: 30_000,
        admission: { maxInFlight: 64, maxQueue: 256, queueTimeoutMs: 1000 },
      },
      guard: { lagLimitMs: 200, heapLimitRatio: 0.9 },
      shutdown: { drainMs: 10_000, timeoutMs: 30_000, backendCloseMs: 5000 },
      maxLoadedVersions: 32,
    });
  });

  it('reads each variable', () => {
    const config = parseConfig({
      ...base,
      BACKEND_HOST_ALLOWLIST: 'triton.internal:8000, *.svc.cluster.local',
      MAX_DEADLINE_MS: '5000',
      RETRY_BUDGET_RATIO: '0.1',
      EVENT_LOOP_LAG_LIMIT_MS: '0',
      SHUTDOWN_DRAIN_MS: '0',
      MAX_LOADED_VERSIONS: '3',
    });
    const settings = servingSettings(config);
    expect(settings.remote?.hostAllowlist).toEqual(['triton.internal:8000', '*.svc.cluster.local']);
    expect(settings.execution?.maxDeadlineMs).toBe(5000);
    expect(settings.remote?.budget?.ratio).toBe(0.1);
    expect(settings.guard?.lagLimitMs).toBe(0);
    expect(settings.shutdown?.drainMs).toBe(0);
    expect(settings.maxLoadedVersions).toBe(3);
  });

  it.each([
    [{ BREAKER_OPEN_MS: 'soon' }, /BREAKER_OPEN_MS/],
    [{ RETRY_BUDGET_RATIO: '1.5' }, /RETRY_BUDGET_RATIO/],
    [{ MAX_DEADLINE_MS: '0' }, /MAX_DEADLINE_MS/],
    [{ MAX_LOADED_VERSIONS: '0' }, /MAX_LOADED_VERSIONS/],
    [
      { BACKEND_HOST_ALLOWLIST: 'ok.internal, http://bad' },
      /BACKEND_HOST_ALLOWLIST: "http:\/\/bad" is not a host/,
    ],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => parseConfig({ ...base, ...env })).toThrow(message);
  });
});
