// The rollouts and alerts screens for docs/dashboard.md (called by screenshots.ts, same server).
import { createControlPlaneClient } from '@modelplane/client';
import type { Page } from 'playwright-core';
import type { Stack } from '../test/stack.ts';

export async function shootRolloutsAndAlerts(
  stack: Stack,
  operator: Page,
  viewer: Page,
  shoot: (page: Page, name: string) => Promise<void>,
  shotPath: (name: string) => string,
): Promise<void> {
  const client = createControlPlaneClient({ url: stack.controlPlaneUrl, token: stack.adminToken });
  // A fast-firing rule (any p99 above 1 µs) and a slower one that stays quiet, so both states show.
  await client.alerts.rules.set.mutate({
    model: 'recs',
    kind: 'p99_latency',
    threshold: 0.001,
    windowMinutes: 1,
    minRequests: 1,
  });
  await client.alerts.rules.set.mutate({ model: 'recs', kind: 'error_rate', threshold: 0.05 });
  const rollout = await client.rollouts.start.mutate({
    model: 'recs',
    candidate: '2.0.0',
    steps: [10, 25, 50, 100],
    minBakeSeconds: 3600,
    minSamplesPerArm: 1,
    tickIntervalSeconds: 1,
    checks: { warmupSeconds: 0 },
  });

  await operator.goto(`${stack.controlPlaneUrl}/ui/rollouts/${rollout.id}`);
  console.log('waiting for a tick with traffic in its window…');
  const n = operator.locator('table.checks tr[data-check="error_rate"] [data-field="n-baseline"]');
  await n.waitFor({ timeout: 60_000 });
  for (let i = 0; i < 120 && Number(await n.textContent()) === 0; i++) await operator.waitForTimeout(1000);
  await shoot(operator, 'rollout');
  await operator.getByRole('button', { name: 'Pause…' }).click();
  await operator.getByRole('dialog').waitFor();
  // The viewport only: a full-page shot of a modal cuts its backdrop off below the fold.
  await operator.screenshot({ path: shotPath('rollout-confirm') });
  await operator.getByRole('dialog').getByRole('button', { name: 'Pause', exact: true }).click();
  await operator.getByTestId('rollout-state').getByText('paused').waitFor();

  await operator.goto(`${stack.controlPlaneUrl}/ui/rollouts`);
  await operator.locator(`tr[data-rollout="${rollout.id}"]`).waitFor();
  await shoot(operator, 'rollouts');

  await operator.goto(`${stack.controlPlaneUrl}/ui/alerts`);
  await operator.getByRole('list', { name: 'Firing alerts' }).waitFor({ timeout: 120_000 });
  await operator.getByRole('button', { name: 'Edit rule recs error_rate' }).click();
  await shoot(operator, 'alerts');

  await viewer.goto(`${stack.controlPlaneUrl}/ui/rollouts/${rollout.id}`);
  await viewer.locator('table.checks').waitFor();
  await shoot(viewer, 'rollout-viewer');
}
