import { afterAll, describe, expect, it } from 'vitest';
import { getFreePort } from './ports.ts';
import { startProcess, stopAllProcesses } from './process.ts';

const node = process.execPath;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  await stopAllProcesses();
});

describe('startProcess', () => {
  it('waits for a readiness pattern on stderr and stops by pid', async () => {
    const script = "setTimeout(() => console.error('listening on 42'), 100); setInterval(() => {}, 1000);";
    const child = await startProcess(node, ['-e', script], { readyWhen: /listening on (\d+)/ });
    expect(child.output()).toContain('listening on 42');
    expect(isAlive(child.pid)).toBe(true);

    const status = await child.stop();
    expect(status).toEqual({ code: null, signal: 'SIGTERM' });
    expect(() => process.kill(child.pid, 0)).toThrow();
  });

  it('passes env and cwd, and waitForOutput returns the match', async () => {
    const script = "console.log('value=' + process.env.MPT_VALUE + ' cwd=' + process.cwd());";
    const child = await startProcess(node, ['-e', script], { env: { MPT_VALUE: 'abc' }, cwd: '/tmp' });
    const match = await child.waitForOutput(/value=(\w+) cwd=(\S+)/);
    expect(match.slice(1)).toEqual(['abc', '/tmp']);
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('polls a URL until it answers 2xx', async () => {
    const port = await getFreePort();
    const script = `
      let hits = 0;
      require('node:http').createServer((req, res) => { res.statusCode = ++hits < 3 ? 503 : 200; res.end(); })
        .listen(${port}, '127.0.0.1');`;
    const child = await startProcess(node, ['-e', script], {
      readyWhen: { url: `http://127.0.0.1:${port}/` },
    });
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    await child.stop();
    expect(isAlive(child.pid)).toBe(false);
  });

  it('kills with SIGKILL when the process ignores the stop signal', async () => {
    const script = "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);";
    const child = await startProcess(node, ['-e', script], { readyWhen: /up/ });
    const started = Date.now();
    const status = await child.stop('SIGTERM', 300);
    expect(status.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(isAlive(child.pid)).toBe(false);
  });

  it('rejects with the output when the process exits before it is ready', async () => {
    const start = startProcess(node, ['-e', "console.error('boom: bad config'); process.exit(3)"], {
      readyWhen: /never/,
    });
    await expect(start).rejects.toThrow(/boom: bad config/);
  });

  it('kills a process that is not ready in time', async () => {
    const script = "console.log('pid=' + process.pid); setInterval(() => {}, 1000);";
    const error = await startProcess(node, ['-e', script], { readyWhen: /never/, timeoutMs: 500 }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/did not become ready/);
    const pid = Number((error as Error).message.match(/pid=(\d+)/)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('rejects when the command does not exist', async () => {
    await expect(startProcess('/nonexistent/mpt-binary', [])).rejects.toThrow(/ENOENT/);
  });

  it('stopAllProcesses ends everything still running', async () => {
    const script = 'setInterval(() => {}, 1000);';
    const children = await Promise.all([1, 2].map(() => startProcess(node, ['-e', script])));
    await stopAllProcesses();
    for (const child of children) expect(isAlive(child.pid)).toBe(false);
  });
});
