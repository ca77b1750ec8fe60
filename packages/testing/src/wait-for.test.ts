import { describe, expect, it } from 'vitest';
import { getFreePort } from './ports.ts';
import { waitFor } from './wait-for.ts';

describe('waitFor', () => {
  it('retries through throws and falsy values, then returns the value', async () => {
    let calls = 0;
    const value = await waitFor(() => {
      calls++;
      if (calls === 1) throw new Error('not yet');
      return calls < 4 ? null : { calls };
    });
    expect(value).toEqual({ calls: 4 });
  });

  it('keeps 0 and empty strings as answers', async () => {
    expect(await waitFor(() => 0)).toBe(0);
    expect(await waitFor(async () => '')).toBe('');
  });

  it('times out with the message and the last failure', async () => {
    const wait = waitFor(
      () => {
        throw new Error('still down');
      },
      { timeoutMs: 100, intervalMs: 10, message: 'the server' },
    );
    await expect(wait).rejects.toThrow(/timed out after 100 ms waiting for the server; .*still down/);
  });
});

describe('getFreePort', () => {
  it('returns a usable port', async () => {
    const port = await getFreePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
  });
});
