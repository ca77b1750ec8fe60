// Screenshots of each dashboard screen for docs/dashboard.md, made against a real all-in-one server
// (embedded PGlite, demo models, live traffic) in a real browser:
//   pnpm --filter @modelplane/dashboard screenshots
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/browser.ts';
import { sendConvertingTraffic } from '../test/feedback.ts';
import { startStack, startTraffic } from '../test/stack.ts';
import { shootRolloutsAndAlerts } from './screenshots-rollouts.ts';

const OUT = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

const dataDir = await mkdtemp(join(tmpdir(), 'dashboard-shots-'));
await mkdir(OUT, { recursive: true });
console.log('starting the all-in-one server (embedded PGlite; the first start takes a while)…');
const stack = await startStack({ dataDir });
const stopTraffic = startTraffic(stack);
const browser = await launchChromium();

async function shoot(page: Page, name: string) {
  const path = join(OUT, `dashboard-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`wrote ${path}`);
}

async function signIn(token: string, width = 1280): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
  await page.goto(`${stack.controlPlaneUrl}/ui/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('tbody[data-model="recs"]').waitFor();
  return page;
}

try {
  const response = await fetch(`${stack.controlPlaneUrl}/trpc/tokens.create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'analyst', role: 'viewer' }),
  });
  const viewerToken = ((await response.json()) as { result: { data: { token: string } } }).result.data.token;

  const signInPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signInPage.goto(`${stack.controlPlaneUrl}/ui/`);
  await signInPage.getByLabel('API token').waitFor();
  await shoot(signInPage, 'sign-in');

  const page = await signIn(stack.adminToken);
  // Replicas report closed minutes: wait for the first one so the numbers are not all zero.
  console.log('waiting for the first minute of traffic to be reported…');
  const rps = page.locator('tbody[data-model="recs"] tr[data-version="1.0.0"] [data-field="rps"]');
  for (let i = 0; i < 120 && Number(await rps.textContent()) === 0; i++) await page.waitForTimeout(1000);
  // A few minutes more, so the sparklines draw lines rather than single points.
  const line = page.getByRole('img', { name: 'recs@1.0.0 requests/s, last hour' });
  for (let i = 0; i < 240 && Number(await line.getAttribute('data-points')) < 3; i++)
    await page.waitForTimeout(1000);
  await shoot(page, 'models');

  await page.getByRole('link', { name: 'recs', exact: true }).click();
  await page.getByRole('heading', { name: 'Split editor' }).waitFor();
  await page.locator('table.audit').waitFor();
  await page.getByLabel('recs@1.0.0 (%)').fill('50');
  await page.getByLabel('recs@2.0.0 (%)').fill('50');
  await shoot(page, 'model-detail');
  await page.getByRole('button', { name: 'Apply split…' }).click();
  await page.getByRole('dialog').waitFor();
  await page.screenshot({ path: join(OUT, 'dashboard-confirm.png') });
  console.log(`wrote ${join(OUT, 'dashboard-confirm.png')}`);

  const viewer = await signIn(viewerToken);
  await viewer.getByRole('link', { name: 'recs', exact: true }).click();
  await viewer.getByTestId('active-revision').waitFor();
  await viewer.locator('tr[data-version="2.0.0"]').first().waitFor();
  await viewer.locator('table.audit').waitFor();
  await shoot(viewer, 'model-detail-viewer');

  // Outcomes for some predictions, so the compare screen has conversions and lifts to show.
  await sendConvertingTraffic(stack, 600);
  const compare = await signIn(stack.adminToken);
  await compare.goto(`${stack.controlPlaneUrl}/ui/compare/recs`);
  const outcome = compare.locator('tr[data-version="2.0.0"] [data-field="absolute-lift"]');
  for (let i = 0; i < 60 && (await outcome.count()) === 0; i++) await compare.waitForTimeout(1000);
  await shoot(compare, 'compare');

  await compare.goto(`${stack.controlPlaneUrl}/ui/fleet`);
  await compare.locator('section[data-replica] tr[data-model="recs"]').waitFor();
  await shoot(compare, 'fleet');

  const narrow = await signIn(stack.adminToken, 420);
  await shoot(narrow, 'models-narrow');

  await shootRolloutsAndAlerts(stack, page, viewer, shoot, (name) => join(OUT, `dashboard-${name}.png`));
} finally {
  await browser.close();
  await stopTraffic();
  await stack.process.stop('SIGTERM');
  await rm(dataDir, { recursive: true, force: true });
}
