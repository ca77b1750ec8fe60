import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ControlPlaneClient, createControlPlaneClient } from '@modelplane/client';
import { createTestDatabase, stopAllProcesses, type TestDatabase } from '@modelplane/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import { eventuallyText, textOf } from './page-helpers.ts';
import { createToken, signedInPage } from './sign-in.ts';
import { type Stack, startStack, startTraffic } from './stack.ts';

// The rollouts and alerts screens in a real browser, against a real control plane (its rollout
// controller and alert evaluation running) and data plane with traffic flowing.
let testDb: TestDatabase;
let dataDir: string;
let stack: Stack;
let browser: Browser;
let client: ControlPlaneClient;
let stopTraffic: () => Promise<void>;
let viewerToken: string;
let rolloutId: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ empty: true });
  dataDir = await mkdtemp(join(tmpdir(), 'dashboard-rollouts-'));
  // Alerts evaluated every second, so a rule fires while the test watches.
  stack = await startStack({
    dataDir,
    databaseUrl: testDb.connectionString,
    env: { ALERT_EVAL_INTERVAL_MS: '1000' },
  });
  client = createControlPlaneClient({ url: stack.controlPlaneUrl, token: stack.adminToken });
  stopTraffic = startTraffic(stack);
  browser = await launchChromium();
  viewerToken = (await createToken(stack, 'ui-viewer', 'viewer')).token;
  // Any p99 above 1 µs: fires as soon as the replica has reported a minute of traffic.
  await client.alerts.rules.set.mutate({
    model: 'recs',
    kind: 'p99_latency',
    threshold: 0.001,
    windowMinutes: 1,
    minRequests: 1,
  });
  // Bakes an hour per step, so it stays at its first step (10 %) while the test steers it.
  const rollout = await client.rollouts.start.mutate({
    model: 'recs',
    candidate: '2.0.0',
    steps: [10, 50, 100],
    minBakeSeconds: 3600,
    minSamplesPerArm: 1,
    tickIntervalSeconds: 1,
    checks: { warmupSeconds: 0 },
  });
  rolloutId = rollout.id;
});

afterAll(async () => {
  await stopTraffic?.();
  await browser?.close();
  await stopAllProcesses();
  await testDb?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function openRollout(page: Page) {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Rollouts' }).click();
  await page.getByRole('link', { name: rolloutId }).click();
  await page.getByRole('heading', { name: /recs@2\.0\.0/ }).waitFor();
}

/** Opens the confirmation of `action`, checks it names the effect, and confirms. */
async function act(page: Page, action: string, effect: RegExp) {
  await page.getByRole('button', { name: `${action}…` }).click();
  const dialog = page.getByRole('dialog');
  await eventuallyText(dialog, effect);
  await dialog.getByRole('button', { name: action, exact: true }).click();
}

const state = (page: Page) => page.getByTestId('rollout-state');

describe('the rollouts screen as an operator', () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedInPage(browser, stack, stack.adminToken);
  });

  it('lists the rollout and shows its ladder with the current step', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Rollouts' }).click();
    const row = page.locator(`tr[data-rollout="${rolloutId}"]`);
    await eventuallyText(row, /recs.*2\.0\.0.*1\.0\.0.*running.*10 %/);
    await openRollout(page);
    const ladder = page.getByRole('list', { name: 'Step ladder' });
    expect((await ladder.getByRole('listitem').allTextContents()).map((t) => t.trim())).toEqual([
      '10 % (current step)',
      '50 %',
      '100 %',
    ]);
    expect(await ladder.locator('[aria-current="step"]').textContent()).toMatch(/^10 %/);
    await eventuallyText(state(page), /^running$/);
  });

  it("shows the latest tick's checks with n per arm, estimate, interval, threshold and verdict", async () => {
    const checks = page.locator('table.checks');
    for (const check of ['error_rate', 'latency_p99', 'srm']) {
      await checks.locator(`tr[data-check="${check}"]`).waitFor({ timeout: 30_000 });
    }
    expect(await checks.locator('thead th').allTextContents()).toEqual([
      'Check',
      'n baseline',
      'n candidate',
      'Estimate',
      'Interval',
      'Threshold',
      'Verdict',
    ]);
    await eventuallyText(
      checks.locator('tr[data-check="error_rate"] [data-field="verdict"]'),
      /PASS|INCONCLUSIVE/,
    );
    // The window is whole rollup minutes: both arms' counts appear once the first minute has closed.
    const errorRate = checks.locator('tr[data-check="error_rate"]');
    await expect
      .poll(async () => Number(await textOf(errorRate.locator('[data-field="n-baseline"]'))), {
        timeout: 150_000,
      })
      .toBeGreaterThan(0);
    expect(Number(await textOf(errorRate.locator('[data-field="n-candidate"]')))).toBeGreaterThan(0);
    // The threshold is the error-rate tolerance (default 0.005); the history has the ticks, newest first.
    expect(await errorRate.locator('td').nth(4).textContent()).toBe('0.005');
    await eventuallyText(page.locator('table.ticks tbody tr').first(), /10 %\s*hold/);
  }, 180_000);

  it('pauses with the button, after a confirmation naming the effect', async () => {
    await act(page, 'Pause', /stops advancing recs@2\.0\.0; it stays at 10 %/);
    await eventuallyText(page.getByRole('status'), new RegExp(`Rollout ${rolloutId} is paused`));
    await eventuallyText(state(page), /^paused$/);
    expect((await client.rollouts.get.query({ id: rolloutId })).state).toBe('paused');
    // The operator's action is in the rollout's events, as the webhook would post it.
    await eventuallyText(page.getByRole('table', { name: 'Rollout events' }), /rollout\.pause/);
  });

  it('resumes from the keyboard', async () => {
    await page.getByRole('button', { name: 'Resume…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await eventuallyText(dialog, /steers recs@2\.0\.0 again from 10 %/);
    // The dialog takes the focus; its first button confirms.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Resume');
    await page.keyboard.press('Enter');
    await eventuallyText(state(page), /^running$/);
  });

  it('shows a refused action (CONFLICT) as a message in the page', async () => {
    await page.getByRole('button', { name: 'Pause…' }).click();
    await page.getByRole('dialog').waitFor();
    // Someone else pauses it (with the CLI's procedure) while this confirmation is open.
    await client.rollouts.pause.mutate({ id: rolloutId });
    await page.getByRole('dialog').getByRole('button', { name: 'Pause', exact: true }).click();
    await eventuallyText(
      page.getByRole('alert'),
      /The action failed: rollout .* is paused; pause needs running or waiting_approval/,
    );
    await eventuallyText(state(page), /^paused$/);
  });

  it('aborts, sending the candidate back to 0 %', async () => {
    await act(page, 'Abort', /recs@2\.0\.0 goes to 0 %: recs@1\.0\.0 gets all the traffic back/);
    await eventuallyText(state(page), /^aborted$/);
    await eventuallyText(
      page.getByRole('region', { name: 'Actions' }),
      /has ended \(aborted\); nothing left to do/,
    );
    const traffic = await client.traffic.get.query({ model: 'recs' });
    expect(traffic.revision?.weights.find((w) => w.version === '2.0.0')?.weight ?? 0).toBe(0);
  });
});

describe('the alerts screen', () => {
  it('lists the firing alert, and an operator edits its rule until it resolves', async () => {
    const page = await signedInPage(browser, stack, stack.adminToken);
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts and events' }).waitFor();
    // Fires once the replica has reported its first closed minute.
    await eventuallyText(
      page.getByRole('list', { name: 'Firing alerts' }),
      /recs: p99 latency above 0\.001 ms/,
      150_000,
    );
    await eventuallyText(
      page.locator('tr[data-kind="p99_latency"][data-state="firing"]'),
      /recs p99 latency above 0\.001 ms: firing/,
    );
    // The rollout's events are listed with the alerts.
    await eventuallyText(page.getByRole('table', { name: 'Alert and rollout events' }), /rollout\.start/);

    await page.getByRole('button', { name: 'Edit rule recs p99_latency' }).click();
    const form = page.getByRole('form', { name: 'Edit rule recs p99_latency' });
    await form.getByLabel('Threshold (ms)').fill('abc');
    await eventuallyText(form.getByRole('alert'), /threshold: enter a number/);
    await form.getByLabel('Threshold (ms)').fill('100000');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await eventuallyText(page.getByRole('status'), /Saved the rule recs p99_latency/);
    await eventuallyText(page.locator('tr[data-rule="recs/p99_latency"] [data-field="rule"]'), /100000 ms/);
    await eventuallyText(
      page.locator('tr[data-rule="recs/p99_latency"] [data-field="state"]'),
      /^ok/,
      30_000,
    );
    await eventuallyText(page.getByRole('heading', { name: /Firing/ }), /Firing \(0\)/);
    // A one-minute window can flap between minutes, so there may be more than one resolved event.
    await page.locator('tr[data-kind="p99_latency"][data-state="resolved"]').first().waitFor();
    await page.context().close();
  }, 180_000);
});

describe('as a viewer', () => {
  it('shows the rollout and the rules with no action buttons or editor', async () => {
    const page = await signedInPage(browser, stack, viewerToken);
    await openRollout(page);
    await page.getByRole('heading', { name: 'Latest checks' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    for (const name of [/Approve/, /Pause/, /Resume/, /Abort/]) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Alerts' }).click();
    await page.locator('tr[data-rule="recs/p99_latency"]').waitFor();
    for (const name of [/Edit rule/, /Delete rule/, /Save rule/]) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    expect(await page.getByText('Add a rule').count()).toBe(0);
    await page.context().close();
  });
});
