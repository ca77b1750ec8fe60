import type { BusMessage } from '@modelplane/schemas';
import { getFreePort, randomPrefix, startRedisServer, testRedisUrl, waitFor } from '@modelplane/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bus, BusClosedError, configChannel } from './bus.ts';
import { createRedisBus } from './redis-bus.ts';

const url = testRedisUrl();
const admin = new Redis(url);
const buses: Bus[] = [];

function bus(prefix: string, extra: { url?: string; commandTimeoutMs?: number } = {}): Bus {
  const created = createRedisBus({ url: extra.url ?? url, prefix, ...extra });
  buses.push(created);
  return created;
}

async function collect(target: Bus): Promise<BusMessage[]> {
  const seen: BusMessage[] = [];
  await target.subscribe((message) => seen.push(message));
  return seen;
}

async function connectionIds(redis: Redis, name: string): Promise<string[]> {
  const list = String(await redis.client('LIST'));
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /^id=(\d+)/.exec(line)?.[1] ?? '');
}

const model = (generation: number): BusMessage => ({ v: 1, kind: 'model', model: 'iris', generation });

afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await admin.quit();
});

describe('createRedisBus', () => {
  it('delivers published messages to subscribers on other connections', async () => {
    const prefix = randomPrefix('bus');
    const publisher = bus(prefix);
    const subscriber = bus(prefix);
    const seen = await collect(subscriber);
    const mine = await collect(publisher);

    await publisher.publish(model(1));
    await publisher.publish({ v: 1, kind: 'tokens', generation: 7 });

    await waitFor(() => seen.length === 2 && mine.length === 2, { message: 'both messages on both buses' });
    expect(seen).toEqual([model(1), { v: 1, kind: 'tokens', generation: 7 }]);
    expect(subscriber.stats).toEqual({ received: 2, invalid: 0 });
  });

  it('drops and counts invalid payloads without throwing, and keeps delivering', async () => {
    const prefix = randomPrefix('bus');
    const subscriber = bus(prefix);
    const seen = await collect(subscriber);
    const invalid = [
      'not json',
      JSON.stringify({ v: 2, kind: 'model', model: 'iris', generation: 1 }),
      JSON.stringify({ v: 1, kind: 'model', model: 'iris', generation: 0 }),
      JSON.stringify({ v: 1, kind: 'tokens', generation: 1, extra: true }),
      JSON.stringify({ v: 1, kind: 'unknown', generation: 1 }),
    ];
    for (const payload of invalid) await admin.publish(configChannel(prefix), payload);
    await admin.publish(configChannel(prefix), JSON.stringify(model(3)));

    await waitFor(() => seen.length === 1, { message: 'the valid message' });
    expect(seen).toEqual([model(3)]);
    expect(subscriber.stats).toEqual({ received: 6, invalid: 5 });
  });

  it('rejects publishing a message that fails the schema', async () => {
    const publisher = bus(randomPrefix('bus'));
    await expect(publisher.publish(model(0))).rejects.toThrow();
  });

  it('keeps buses with different prefixes apart', async () => {
    const a = bus(randomPrefix('bus-a'));
    const b = bus(randomPrefix('bus-b'));
    const seenA = await collect(a);
    const seenB = await collect(b);

    await a.publish(model(1));
    await b.publish(model(2));

    await waitFor(() => seenA.length === 1 && seenB.length === 1, { message: 'one message each' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seenA).toEqual([model(1)]);
    expect(seenB).toEqual([model(2)]);
  });

  it('isolates a throwing handler and stops delivering after unsubscribe', async () => {
    const target = bus(randomPrefix('bus'));
    await target.subscribe(() => {
      throw new Error('handler bug');
    });
    const seen: BusMessage[] = [];
    const unsubscribe = await target.subscribe((message) => seen.push(message));

    await target.publish(model(1));
    await waitFor(() => seen.length === 1, { message: 'delivery despite the throwing handler' });

    await unsubscribe();
    await target.publish(model(2));
    await waitFor(() => target.stats.received === 2, { message: 'second message received' });
    expect(seen).toEqual([model(1)]);
  });

  it('reports a reconnect after its subscriber connection is killed, and messages flow again', async () => {
    const prefix = randomPrefix('bus');
    const target = bus(prefix);
    let reconnects = 0;
    target.onReconnect(() => reconnects++);
    const seen = await collect(target);
    await target.publish(model(1));
    await waitFor(() => seen.length === 1, { message: 'first message' });
    expect(reconnects).toBe(0);

    const [id] = await connectionIds(admin, `${prefix}bus-sub`);
    expect(id).toBeTruthy();
    await admin.client('KILL', 'ID', String(id));

    await waitFor(() => reconnects === 1, { message: 'onReconnect after CLIENT KILL' });
    // onReconnect fires only once the subscription is confirmed, so this message cannot be missed.
    await target.publish(model(2));
    await waitFor(() => seen.length === 2, { message: 'message after reconnect' });
    expect(seen).toEqual([model(1), model(2)]);
  });

  it('recovers both connections when its Redis restarts', async () => {
    const server = await startRedisServer();
    try {
      const target = bus(randomPrefix('bus'), { url: server.url });
      let reconnects = 0;
      target.onReconnect(() => reconnects++);
      const seen = await collect(target);

      await server.restart();
      await waitFor(() => reconnects === 1, { timeoutMs: 10_000, message: 'onReconnect after restart' });
      await waitFor(() => target.publish(model(5)).then(() => true), { message: 'publish after restart' });
      await waitFor(() => seen.length >= 1, { message: 'message after restart' });
      expect(seen[0]).toEqual(model(5));
    } finally {
      await server.stop();
    }
  });

  it('rejects a publish to an unreachable Redis within about the command timeout', async () => {
    const port = await getFreePort();
    const target = bus(randomPrefix('bus'), { url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300 });
    const started = Date.now();
    await expect(target.publish(model(1))).rejects.toThrow(/not ready/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('closes both connections, and refuses work afterwards', async () => {
    const prefix = randomPrefix('bus');
    const target = bus(prefix);
    await collect(target);
    await target.publish(model(1));
    await target.close();

    expect(await connectionIds(admin, `${prefix}bus-sub`)).toEqual([]);
    expect(await connectionIds(admin, `${prefix}bus-pub`)).toEqual([]);
    await expect(target.publish(model(2))).rejects.toBeInstanceOf(BusClosedError);
    await expect(target.subscribe(() => {})).rejects.toBeInstanceOf(BusClosedError);
  });
});
