import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildDemoModels } from '../build.ts';
import { DEMO_MODELS_DIR, MANIFEST_FILE } from '../manifest.ts';

/** Vitest global setup: turbo builds before testing, but a bare `vitest run` should work too. */
export default function setup(): void {
  if (!existsSync(resolve(DEMO_MODELS_DIR, MANIFEST_FILE))) buildDemoModels();
}
