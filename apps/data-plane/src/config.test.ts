import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { telemetrySettings } from './telemetry/config.ts';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };

describe('parseConfig', () => {
  it('fills in the documented defaults', () => {
    expect(parseConfig(base, 'host-1')).toMatchObject({
      HOST: '127.0.0.1',
      DATA_PLANE_PORT: 8080,
      MODELPLANE_PREFIX: 'modelplane:',
      MODELPLANE_DATA_DIR: '.modelplane',
      REPLICA_ID: 'host-1',
      RECONCILE_INTERVAL_MS: 5000,
      HEARTBEAT_INTERVAL_MS: 2000,
      PREDICT_AUTH: 'on',
      PREDICTION_LOG: 'on',
      MAX_BODY_BYTES: 1048576,
      MAX_BODY_DRAIN_BYTES: 8388608,
      ORT_INTRA_OP_THREADS: 1,
      LOG_LEVEL: 'info',
    });
    expect(parseConfig(base).REDIS_URL).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ ...base, DATA_PLANE_PORT: '', PREDICT_AUTH: '' })).toMatchObject({
      DATA_PLANE_PORT: 8080,
      PREDICT_AUTH: 'on',
    });
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ DATA_PLANE_PORT: 'eighty' }, 'DATA_PLANE_PORT'],
    [{ DATA_PLANE_PORT: '70000' }, 'DATA_PLANE_PORT'],
    [{ PREDICT_AUTH: 'yes' }, 'PREDICT_AUTH'],
    [{ MAX_BODY_BYTES: '-1' }, 'MAX_BODY_BYTES'],
    [{ MAX_BODY_DRAIN_BYTES: '-1' }, 'MAX_BODY_DRAIN_BYTES'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ REPLICA_ID: '../escape' }, 'REPLICA_ID'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PREDICTION_LOG: 'sometimes' }, 'PREDICTION_LOG'],
  ];
  it.each(bad)('rejects %o naming %s', (env, name) => {
    expect(() => parseConfig({ ...base, ...env })).toThrow(new RegExp(`^invalid configuration: .*${name}`));
  });

  it('turns the prediction log off with PREDICTION_LOG=off', () => {
    expect(telemetrySettings(parseConfig(base)).predictionLog?.enabled).toBe(true);
    expect(telemetrySettings(parseConfig({ ...base, PREDICTION_LOG: 'off' })).predictionLog?.enabled).toBe(
      false,
    );
  });

  it('requires DATABASE_URL', () => {
    expect(() => parseConfig({})).toThrow(/DATABASE_URL: required/);
  });

  it('makes a hostname-derived replica id safe to use as a directory name', () => {
    expect(parseConfig(base, 'my host/1-42').REPLICA_ID).toBe('my-host-1-42');
  });
});
