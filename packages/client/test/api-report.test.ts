import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { firstDifference, renderReport, reportPath } from '../scripts/api-report.mjs';

describe('the API report (api/client.api.d.ts)', () => {
  // Builds dist/ from the current sources, router included: slow, so one generous bound.
  it('matches the declarations built from the current sources', async () => {
    const [reported, built] = await Promise.all([readFile(reportPath, 'utf8'), renderReport()]);
    const diff = firstDifference(reported, built);
    const message = diff
      ? `the client's API changed: run \`pnpm api:update\`, review api/client.api.d.ts and bump the version if callers break.\n` +
        `line ${diff.line}\n  report: ${diff.reported}\n  built:  ${diff.built}`
      : '';
    expect(diff, message).toBeNull();
  }, 600_000);
});
