import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Database } from '@modelplane/db';
import { createTestDatabase, stopAllProcesses, type TestDatabase } from '@modelplane/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import { insightScreenCases } from './insight-screens.cases.ts';
import { eventuallyText } from './page-helpers.ts';
import { createToken as createTokenFor, signedInPage as signedInPageFor } from './sign-in.ts';
import { type Stack, servedShares, startStack, startTraffic } from './stack.ts';

// The dashboard in a real browser against a real control plane and data plane with traffic flowing.
let testDb: TestDatabase;
let database: Database;
let dataDir: string;
let stack: Stack;
let browser: Browser;
let stopTraffic: () => Promise<void>;
let viewerToken: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ empty: true });
  dataDir = await mkdtemp(join(tmpdir(), 'dashboard-ui-'));
  stack = await startStack({ dataDir, databaseUrl: testDb.connectionString });
  database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  stopTraffic = startTraffic(stack);
  browser = await launchChromium();
  viewerToken = (await createToken('ui-viewer', 'viewer')).token;
});

afterAll(async () => {
  await stopTraffic?.();
  await browser?.close();
  await stopAllProcesses();
  await database?.close();
  await testDb?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function revokeToken(id: string): Promise<void> {
  const response = await fetch(`${stack.controlPlaneUrl}/trpc/tokens.revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });
  expect(response.status).toBe(200);
}

const signedInPage = (token: string) => signedInPageFor(browser, stack, token);
const createToken = (name: string, role: string) => createTokenFor(stack, name, role);

const versionRow = (page: Page, model: string, version: string) =>
  page.locator(`tbody[data-model="${model}"] tr[data-version="${version}"]`);

async function openModel(page: Page, model: string) {
  await page.getByRole('link', { name: model, exact: true }).click();
  await page.getByRole('heading', { name: model, exact: true }).waitFor();
}

/** Waits until the page shows `revision` active and every replica in sync with it. */
async function waitForRevision(page: Page, revision: number) {
  await eventuallyText(page.getByTestId('active-revision'), new RegExp(`^#${revision}$`));
  await eventuallyText(page.getByRole('heading', { name: /Replicas:/ }), /Replicas: 1 \/ 1 in sync/);
}

describe('the dashboard as an operator', () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedInPage(stack.adminToken);
  });

  it('shows recs at 90/10 with live numbers', async () => {
    await eventuallyText(versionRow(page, 'recs', '1.0.0').locator('[data-field="weight"]'), /^90 %$/);
    await eventuallyText(versionRow(page, 'recs', '2.0.0').locator('[data-field="weight"]'), /^10 %$/);
    // Replicas write per-minute rollups once a minute has closed: the numbers lag by up to a minute.
    await expect
      .poll(
        async () =>
          Number(await versionRow(page, 'recs', '1.0.0').locator('[data-field="rps"]').textContent()),
        {
          timeout: 100_000,
        },
      )
      .toBeGreaterThan(0);
  }, 120_000);

  it('refuses a bad split with a message naming the problem', async () => {
    await openModel(page, 'recs');
    await page.getByLabel('recs@2.0.0 (%)').fill('abc');
    await eventuallyText(page.getByRole('alert'), /recs@2\.0\.0: enter a percentage/);
    await page.getByLabel('recs@2.0.0 (%)').fill('20');
    await eventuallyText(page.getByRole('alert'), /add up to 110 %; they must add up to 100 %/);
    expect(await page.getByRole('button', { name: 'Apply split…' }).isDisabled()).toBe(true);
  });

  it('moves the canary to 50 % in the editor, and the data plane serves the new split', async () => {
    await page.getByLabel('recs@1.0.0 (%)').fill('50');
    await page.getByLabel('recs@2.0.0 (%)').fill('50');
    await eventuallyText(page.getByTestId('split-preview'), /^4000 of 10000 routing buckets change version/);
    await page.getByRole('button', { name: 'Apply split…' }).click();
    const dialog = page.getByRole('dialog');
    await eventuallyText(dialog, /New split: recs@1\.0\.0 50 %, recs@2\.0\.0 50 %/);
    await dialog.getByRole('button', { name: 'Apply split' }).click();
    await page.getByText('Revision #2 is active: recs@1.0.0 50 %, recs@2.0.0 50 %.').waitFor();
    await waitForRevision(page, 2);
    const shares = await servedShares(stack, 1000);
    expect(shares['2.0.0']).toBeGreaterThan(0.44);
    expect(shares['2.0.0']).toBeLessThan(0.56);
  });

  it('rolls back with the button after a confirmation naming the split that comes back', async () => {
    await page.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog');
    await eventuallyText(dialog, /Revision #1 comes back: recs@1\.0\.0 90 %, recs@2\.0\.0 10 %/);
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await waitForRevision(page, 3);
    await eventuallyText(page.getByRole('list', { name: 'Active split' }), /recs@2\.0\.0: 10 %/);
    const shares = await servedShares(stack, 1000);
    expect(shares['2.0.0']).toBeGreaterThan(0.06);
    expect(shares['2.0.0']).toBeLessThan(0.14);
    // The audit trail names who did it, as the CLI's changes are.
    await eventuallyText(page.locator('table.audit tbody tr').first(), /traffic\.rollback/);
  });

  it('shows an unknown model as a message, not a blank page', async () => {
    await page.goto(`${stack.controlPlaneUrl}/ui/models/no-such-model`);
    await eventuallyText(page.getByRole('alert').first(), /no-such-model/);
  });
});

describe('the dashboard as a viewer', () => {
  it('shows no actions, and a forged action is refused with 403', async () => {
    const page = await signedInPage(viewerToken);
    await eventuallyText(page.getByTestId('who'), /ui-viewer .*\(viewer\)/);
    await openModel(page, 'recs');
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Split editor' }).count()).toBe(0);
    for (const name of [/Apply split/, /Canary/, /Promote/, /Roll back/, /Reshuffle/, /Purge cache/]) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    // Forged from the page itself, with the session's own CSRF token: the role still says no.
    const statuses = await page.evaluate(async () => {
      const session = (await (await fetch('/ui/session')).json()) as { csrfToken: string };
      const post = (headers: Record<string, string>) =>
        fetch('/trpc/traffic.rollback', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ model: 'recs' }),
        }).then((r) => r.status);
      return { withCsrf: await post({ 'x-csrf-token': session.csrfToken }), withoutCsrf: await post({}) };
    });
    expect(statuses).toEqual({ withCsrf: 403, withoutCsrf: 403 });
    await page.context().close();
  });
});

insightScreenCases({ stack: () => stack, signIn: signedInPage });

describe('sessions', () => {
  it('returns to sign-in when the session expires', async () => {
    const page = await signedInPage(viewerToken);
    // Time passes: every session's expiry is now (the control plane compares on the database clock).
    await database.db.updateTable('dashboard_sessions').set({ expires_at: new Date() }).execute();
    await page.getByLabel('API token').waitFor({ timeout: 15_000 });
    await eventuallyText(page.getByRole('status'), /session has ended/);
    await page.context().close();
  });

  it('signs out a page whose token is revoked, and refuses that token at sign-in', async () => {
    const { id, token } = await createToken('ui-soon-revoked', 'viewer');
    const page = await signedInPage(token);
    await revokeToken(id);
    await page.getByLabel('API token').waitFor({ timeout: 15_000 });
    await eventuallyText(page.getByRole('status'), /session has ended/);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventuallyText(page.getByRole('alert'), /unknown or revoked/);
    await page.context().close();
  });

  it('pauses polling while the tab is hidden', async () => {
    const page = await signedInPage(viewerToken);
    let calls = 0;
    page.on('request', (request) => {
      if (request.url().includes('/trpc/')) calls++;
    });
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    calls = 0;
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect(calls).toBe(0);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => calls, { timeout: 10_000 }).toBeGreaterThan(0);
    await page.context().close();
  });

  it('says so when the control plane is down, instead of going blank', async () => {
    const page = await signedInPage(viewerToken);
    await stopTraffic();
    await stack.process.stop('SIGTERM');
    await eventuallyText(page.getByRole('alert').first(), /Cannot reach the control plane/, 20_000);
    await page.getByRole('heading', { name: 'Models' }).waitFor();
    await page.context().close();
  });
});
