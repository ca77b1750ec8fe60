// Bundles an app entry point into one ESM file: our workspace packages are inlined
// (they ship TypeScript source), third-party packages stay external and load from node_modules.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: bundle.mjs <entry.ts> <outfile.js>');
  process.exit(2);
}

// Inlined workspace code imports its own dependencies, but Node resolves them from the app's
// dist/ directory: each must therefore be a dependency of the app itself, or the bundle fails at
// run time. Checked here so the build fails instead, naming what to add.
const manifest = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
const declared = new Set(Object.keys(manifest.dependencies ?? {}));
const builtins = new Set(builtinModules);
const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

const externalThirdParty = {
  name: 'external-third-party',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@modelplane/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  plugins: [externalThirdParty],
  logLevel: 'warning',
  metafile: true,
});

// Checked on the output, after tree shaking: only imports that survive must be resolvable.
const missing = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imported of output.imports) {
    if (!imported.external || imported.path.startsWith('node:')) continue;
    const name = packageName(imported.path);
    if (!builtins.has(name) && !declared.has(name)) missing.add(name);
  }
}
if (missing.size > 0) {
  console.error(`${outfile} imports ${[...missing].join(', ')}: add to ${manifest.name} dependencies`);
  process.exit(1);
}
