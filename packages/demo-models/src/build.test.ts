import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDemoModels } from './build.ts';
import { DEMO_MODELS_DIR, loadManifest, MANIFEST_FILE } from './manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildDemoModels', () => {
  it('is deterministic: a second build writes the same bytes as models/', { timeout: 120_000 }, () => {
    const rebuilt = buildDemoModels(dir);
    const existing = loadManifest();
    expect(readFileSync(join(dir, MANIFEST_FILE), 'utf8')).toBe(
      readFileSync(join(DEMO_MODELS_DIR, MANIFEST_FILE), 'utf8'),
    );
    expect(rebuilt.models.map((m) => m.sha256)).toEqual(existing.models.map((m) => m.sha256));
    for (const m of rebuilt.models) {
      const bytes = readFileSync(m.file);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
      expect(bytes.equals(readFileSync(join(DEMO_MODELS_DIR, basename(m.file))))).toBe(true);
    }
  });
});
