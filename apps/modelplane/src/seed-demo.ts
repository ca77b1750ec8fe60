import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { appRouter, createCallerFactory, type Deps } from '@modelplane/control-plane';
import { putArtifact } from '@modelplane/db';
import { type DemoModelEntry, loadManifest } from '@modelplane/demo-models/manifest';

/** Found through node_modules, so it works from the bundled dist/main.js as well as from source. */
function demoModelsDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('@modelplane/demo-models/package.json');
  return join(dirname(packageJson), 'models');
}

const DEMO_ACTOR = { actor: 'demo-seed', role: 'admin' } as const;

/**
 * The registration of one demo version: its artifact, signature and offline metrics. The file goes
 * into the registry (`artifact://`), so replicas need no file access: with DATABASE_URL, file://
 * artifacts are refused unless ARTIFACT_FILE_ROOT allows them.
 */
async function registration(deps: Deps, entry: DemoModelEntry) {
  const stored = await putArtifact(deps.db, readFileSync(entry.file), DEMO_ACTOR.actor);
  if (stored.digest !== entry.sha256) throw new Error(`demo model ${entry.file} does not match its manifest`);
  const metrics = Object.fromEntries(
    Object.entries(entry.metrics).filter((pair): pair is [string, number] => typeof pair[1] === 'number'),
  );
  return {
    model: entry.model,
    version: entry.version,
    backend: { kind: 'onnx' as const },
    artifact: { uri: `artifact://${stored.digest}`, sha256: entry.sha256 },
    ...(entry.inputSchema && {
      // Named tabular features map into one row of the input tensor in this order.
      inputSchema: {
        ...entry.inputSchema,
        'x-input-tensor': entry.inputs[0]?.name ?? 'features',
        'x-feature-order': entry.featureOrder ?? [],
      },
    }),
    metrics,
    description: entry.description,
  };
}

/**
 * Registers the demo models if they are absent: `recs` (two versions, a 90/10 split, cache on for
 * 300 s) and `conversion` (one version). Existing models are left exactly as they are.
 */
export async function seedDemoModels(deps: Deps): Promise<{ created: string[] }> {
  const caller = createCallerFactory(appRouter)({ deps, principal: DEMO_ACTOR });
  const manifest = loadManifest(demoModelsDir());
  const existing = new Set((await caller.models.list()).map((m) => m.name));
  const created: string[] = [];
  const entries = (name: string) => manifest.models.filter((m) => m.model === name);

  if (!existing.has('recs')) {
    await caller.models.create({
      name: 'recs',
      description: 'Product recommender: scores 20 products for a user',
      cache: { enabled: true, ttlSeconds: 300 },
    });
    for (const entry of entries('recs')) await caller.versions.register(await registration(deps, entry));
    await caller.traffic.set({
      model: 'recs',
      weights: [
        { version: '1.0.0', weight: 9000 },
        { version: '2.0.0', weight: 1000 },
      ],
      baseline: '1.0.0',
    });
    created.push('recs');
  }
  if (!existing.has('conversion')) {
    await caller.models.create({ name: 'conversion', description: 'Conversion-probability classifier' });
    for (const entry of entries('conversion'))
      await caller.versions.register(await registration(deps, entry));
    await caller.traffic.promote({ model: 'conversion', version: '1.0.0' });
    created.push('conversion');
  }
  return { created };
}
