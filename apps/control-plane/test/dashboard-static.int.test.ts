import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startControlPlane } from './harness.ts';

// The built dashboard as the control plane serves it (a stand-in build in a temporary directory).
let outer: string;
let dir: string;
let cp: Harness;
let unbuilt: Harness;

beforeAll(async () => {
  // The build in outer/dist; a file beside it that must never be served.
  outer = await mkdtemp(join(tmpdir(), 'dashboard-'));
  dir = join(outer, 'dist');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, '..', 'dashboard-secret.txt'), 'TOP-SECRET-CONTENT');
  cp = await startControlPlane({ DASHBOARD_DIR: dir });
  unbuilt = await startControlPlane({ DASHBOARD_DIR: join(dir, 'missing') });
});
afterAll(async () => {
  await cp?.close();
  await unbuilt?.close();
  await rm(outer, { recursive: true, force: true });
});

const get = (url: string) => fetch(url, { redirect: 'manual' });

describe('the dashboard under /ui', () => {
  it('redirects /ui to /ui/ and serves the page with a strict content security policy', async () => {
    const redirect = await get(`${cp.url}/ui`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const page = await get(`${cp.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
    expect(await page.text()).toContain('<title>dashboard</title>');
  });

  it('answers a screen path with the page, so a reload of /ui/models/recs works', async () => {
    const page = await get(`${cp.url}/ui/models/recs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>dashboard</title>');
  });

  it('serves hashed assets for good and 404s a missing one', async () => {
    const asset = await get(`${cp.url}/ui/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await get(`${cp.url}/ui/assets/index-gone.js`)).status).toBe(404);
  });

  it('never serves a file outside the build', async () => {
    for (const path of ['/ui/..%2fdashboard-secret.txt', '/ui/%2e%2e/dashboard-secret.txt', '/ui/%E0%A4%A']) {
      const response = await get(`${cp.url}${path}`);
      expect(await response.text()).not.toContain('TOP-SECRET-CONTENT');
    }
  });

  it('says how to build it when it is not built', async () => {
    const response = await get(`${unbuilt.url}/ui/`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/pnpm build/);
  });
});
