import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sendConvertingTraffic } from './feedback.ts';
import { eventuallyText, textOf } from './page-helpers.ts';
import type { Stack } from './stack.ts';

/**
 * The compare and fleet screens and the models screen's sparklines, run inside
 * dashboard.browser.int.test.ts on its stack (one server for the whole file: the machine is small).
 */
export function insightScreenCases(context: { stack(): Stack; signIn(token: string): Promise<Page> }) {
  describe('the compare, fleet and sparkline views', () => {
    let page: Page;
    beforeAll(async () => {
      page = await context.signIn(context.stack().adminToken);
    });

    it('draws each version a sparkline with points once rollups exist', async () => {
      const line = page.getByRole('img', { name: 'recs@1.0.0 requests/s, last hour' });
      // Replicas write a minute's rollup once it has closed.
      await expect
        .poll(async () => Number(await line.getAttribute('data-points').catch(() => '0')), {
          timeout: 100_000,
        })
        .toBeGreaterThan(0);
      expect(await line.locator('polyline, circle').count()).toBe(1);
      for (const metric of ['error rate', 'p99 latency']) {
        await page.getByRole('img', { name: `recs@2.0.0 ${metric}, last hour` }).waitFor();
      }
    }, 120_000);

    it("compares both versions' latency, errors and conversions, with the counts under each figure", async () => {
      await sendConvertingTraffic(context.stack(), 300);
      await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Compare' }).click();
      await page.getByRole('link', { name: 'recs', exact: true }).click();
      await page.getByRole('heading', { name: 'Compare recs' }).waitFor();

      const serving = (version: string) =>
        page.locator(`table.compare`).first().locator(`tr[data-version="${version}"]`);
      for (const version of ['1.0.0', '2.0.0']) {
        await expect
          .poll(
            async () =>
              Number((await textOf(serving(version).locator('[data-field="requests"]'))).replace(/\D/g, '')),
            {
              timeout: 30_000,
            },
          )
          .toBeGreaterThan(0);
        await eventuallyText(
          serving(version).locator('[data-field="p99"]'),
          /^[\d.]+ msn = [\d,]+ requests$/,
        );
        await eventuallyText(serving(version).locator('[data-field="errors"]'), /^[\d.]+ %[\d,]+ of [\d,]+$/);
      }

      // Outcomes join predictions once both writers have flushed.
      const outcome = (version: string) =>
        page.locator(`section[aria-labelledby="experiment-title"] tr[data-version="${version}"]`);
      for (const version of ['1.0.0', '2.0.0']) {
        await eventuallyText(
          outcome(version).locator('[data-field="outcome"]'),
          /[\d.]+ % \[.+\][\d,]+ of [\d,]+ units/,
          60_000,
        );
      }
      const lift = outcome('2.0.0').locator('[data-field="absolute-lift"]');
      await eventuallyText(lift, /pp \[.+ pp, .+ pp\][\d,]+ vs [\d,]+ units/);
      await eventuallyText(outcome('2.0.0'), /p (=|<) 0\.\d{4}/);
      await eventuallyText(page.getByTestId('sample-health'), /Revision #\d+: .*units/);

      // The interval choice is a labelled control, reachable from the keyboard; fixed-horizon intervals are narrower.
      const sequential = await textOf(lift);
      await page.getByLabel('Intervals').focus();
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => page.getByLabel('Intervals').inputValue()).toBe('fixed');
      await expect.poll(() => textOf(lift)).not.toBe(sequential);
    }, 120_000);

    it('shows the running replica in sync with every model, and how long since its heartbeat', async () => {
      await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Fleet' }).click();
      await page.getByRole('heading', { name: 'Fleet' }).waitFor();
      const replica = page.locator('section[data-replica="dp-ui-test"]');
      await eventuallyText(replica.locator('tr[data-model="recs"] [data-field="state"]'), /^in-sync$/);
      await eventuallyText(replica.locator('[data-field="heartbeat-age"]'), /^\d+ s ago$/);
      await eventuallyText(replica.locator('tr[data-model="recs"]'), /#\d+#\d+in-sync/);
    });
  });
}
