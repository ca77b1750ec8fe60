import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { appLogger } from './request-logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('appLogger', () => {
  it('logs with the request bindings, and the ones a nested child adds', async () => {
    const { logger, lines } = capture();
    const app = appLogger(logger);
    app.info('outside a request');
    const request = app.child({ reqId: 'r-1' }, {});
    request.warn({ code: 'X' }, 'first');
    request.child({ clientRequestId: 'c-9' }).error('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.reqId, l.clientRequestId, l.code])).toEqual([
      ['outside a request', undefined, undefined, undefined],
      ['first', 'r-1', undefined, 'X'],
      ['second', 'r-1', 'c-9', undefined],
    ]);
  });

  it('honours the parent level: below it nothing is written', async () => {
    const { logger, lines } = capture();
    const request = appLogger(logger).child({ reqId: 'r-2' }, {});
    expect(request.level).toBe('info');
    request.debug('hidden');
    request.info('shown');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it('makes a pino logger only for a request that logs, also once the app itself has logged', async () => {
    const { logger, lines } = capture();
    // Counts every pino child made below the root (children inherit the root's own properties).
    let made = 0;
    const makeChild = logger.child;
    logger.child = function (this: typeof logger, ...args: Parameters<typeof makeChild>) {
      made += 1;
      return makeChild.apply(this, args);
    } as typeof makeChild;
    // What Fastify does at start: a child of the app's logger becomes its own logger.
    const fastifyLogger = appLogger(logger).child({}, {});
    fastifyLogger.info('listening');
    const afterStart = made;
    for (let i = 0; i < 3; i++) fastifyLogger.child({ reqId: `quiet-${i}` }, {});
    expect(made).toBe(afterStart);
    fastifyLogger.child({ reqId: 'r-3' }, {}).warn('logged');
    expect(made).toBe(afterStart + 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['listening', undefined],
      ['logged', 'r-3'],
    ]);
  });
});
