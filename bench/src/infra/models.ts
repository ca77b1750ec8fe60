import { pathToFileURL } from 'node:url';
import type { ControlPlaneClient } from '@modelplane/client';
import { type DemoModelEntry, type DemoModelName, findModel, loadManifest } from '@modelplane/demo-models';

/** The demo models as `@modelplane/demo-models` built them. */
export const MANIFEST = loadManifest();

/** The manifest entry for a demo model version; throws if it was never built. */
export function demoModel(model: DemoModelName, version: string): DemoModelEntry {
  const entry = findModel(MANIFEST, model, version);
  if (!entry) throw new Error(`no demo model ${model}@${version}: run \`pnpm build\``);
  return entry;
}

/** Options for {@link registerModel}. */
export interface RegisterModelOptions {
  /** The name to register under (several bench models share one artifact). */
  name: string;
  entries: DemoModelEntry[];
  cache?: { enabled: boolean; ttlSeconds: number };
  servingOptions?: Record<string, number | boolean>;
  /** Label that gets all traffic. */
  promote: string;
}

/** Registers a model and its versions from demo artifacts (file:// URIs) and sends all traffic to one. */
export async function registerModel(admin: ControlPlaneClient, options: RegisterModelOptions): Promise<void> {
  await admin.models.create.mutate({
    name: options.name,
    ...(options.cache && { cache: options.cache }),
  });
  for (const entry of options.entries) {
    await admin.versions.register.mutate({
      model: options.name,
      version: entry.version,
      backend: { kind: 'onnx' },
      artifact: { uri: pathToFileURL(entry.file).href, sha256: entry.sha256 },
      ...(entry.inputSchema && {
        // Named tabular features map into one row of the input tensor in this order.
        inputSchema: {
          ...entry.inputSchema,
          'x-input-tensor': entry.inputs[0]?.name ?? 'features',
          'x-feature-order': entry.featureOrder ?? [],
        },
      }),
      ...(options.servingOptions && { servingOptions: options.servingOptions }),
    });
  }
  await admin.traffic.promote.mutate({ model: options.name, version: options.promote });
}

/** Registers `recs` (cache off) and `recs-cached` (cache on, 300 s), both serving recs 2.0.0. */
export async function registerRecsModels(admin: ControlPlaneClient): Promise<DemoModelEntry> {
  const recs = demoModel('recs', '2.0.0');
  await registerModel(admin, { name: 'recs', entries: [recs], promote: recs.version });
  await registerModel(admin, {
    name: 'recs-cached',
    entries: [recs],
    promote: recs.version,
    cache: { enabled: true, ttlSeconds: 300 },
  });
  return recs;
}
