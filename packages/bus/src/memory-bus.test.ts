import type { BusMessage } from '@modelplane/schemas';
import { waitFor } from '@modelplane/testing';
import { describe, expect, it } from 'vitest';
import { BusClosedError } from './bus.ts';
import { createMemoryBus } from './memory-bus.ts';

const model = (generation: number): BusMessage => ({ v: 1, kind: 'model', model: 'iris', generation });

describe('createMemoryBus', () => {
  it('delivers published messages asynchronously, as copies, to every subscriber', async () => {
    const bus = createMemoryBus();
    const a: BusMessage[] = [];
    const b: BusMessage[] = [];
    await bus.subscribe((message) => a.push(message));
    await bus.subscribe((message) => b.push(message));

    const sent = model(1);
    await bus.publish(sent);
    await bus.publish({ v: 1, kind: 'tokens', generation: 2 });
    // Like Redis, delivery happens after publish resolves.
    expect(a).toEqual([]);

    await waitFor(() => a.length === 2 && b.length === 2, { message: 'both messages' });
    expect(a).toEqual([model(1), { v: 1, kind: 'tokens', generation: 2 }]);
    expect(a[0]).not.toBe(sent);
    expect(bus.stats).toEqual({ received: 2, invalid: 0 });
    await bus.close();
  });

  it('rejects a message that fails the schema, as the Redis bus does', async () => {
    const bus = createMemoryBus();
    await expect(bus.publish(model(0))).rejects.toThrow();
    await expect(bus.publish({ ...model(1), extra: 1 } as unknown as BusMessage)).rejects.toThrow();
    await bus.close();
  });

  it('isolates a throwing handler and honours unsubscribe', async () => {
    const warnings: string[] = [];
    const bus = createMemoryBus({ logger: { warn: (_obj, msg) => warnings.push(msg) } });
    await bus.subscribe(() => {
      throw new Error('handler bug');
    });
    const seen: BusMessage[] = [];
    const unsubscribe = await bus.subscribe((message) => seen.push(message));

    await bus.publish(model(1));
    await waitFor(() => seen.length === 1, { message: 'delivery despite the throwing handler' });
    expect(warnings).toEqual(['bus handler threw']);

    await unsubscribe();
    await bus.publish(model(2));
    await waitFor(() => bus.stats.received === 2, { message: 'second message received' });
    expect(seen).toEqual([model(1)]);
    await bus.close();
  });

  it('keeps separate instances apart and never reports a reconnect', async () => {
    const a = createMemoryBus();
    const b = createMemoryBus();
    const seenB: BusMessage[] = [];
    await b.subscribe((message) => seenB.push(message));
    let reconnects = 0;
    a.onReconnect(() => reconnects++);

    await a.publish(model(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seenB).toEqual([]);
    expect(reconnects).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('drops messages in flight at close and refuses work afterwards', async () => {
    const bus = createMemoryBus();
    const seen: BusMessage[] = [];
    await bus.subscribe((message) => seen.push(message));
    await bus.publish(model(1));
    await bus.close();
    await new Promise((resolve) => setImmediate(resolve));

    expect(seen).toEqual([]);
    await expect(bus.publish(model(2))).rejects.toBeInstanceOf(BusClosedError);
    await expect(bus.subscribe(() => {})).rejects.toBeInstanceOf(BusClosedError);
  });
});
