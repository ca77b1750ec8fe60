// `pnpm build`: trains the demo models and writes them to models/ (or the directory given).
import { resolve } from 'node:path';
import { buildDemoModels } from './build.ts';

const started = performance.now();
const outDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
const manifest = buildDemoModels(outDir);
for (const m of manifest.models) {
  console.log(`${m.model}@${m.version}  ${m.sha256.slice(0, 12)}  ${JSON.stringify(m.metrics)}`);
}
console.log(`wrote ${manifest.models.length} models in ${Math.round(performance.now() - started)} ms`);
