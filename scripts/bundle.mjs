// Bundles an app entry point into one ESM file: our workspace packages are inlined
// (they ship TypeScript source), third-party packages stay external and load from node_modules.
// A worker thread's program cannot live inside that file: a workspace package lists its worker
// entries in its package.json (`"workers": ["src/backends/onnx-worker.ts"]`), and every bundle
// that inlines code of that package gets each of them beside it (dist/onnx-worker.js), where the
// code that starts the worker finds it relative to its own file (import.meta.url).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
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

const options = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  plugins: [externalThirdParty],
  logLevel: 'warning',
  metafile: true,
};
const result = await build({
  ...options,
  entryPoints: [entry],
  outfile,
  banner: { js: '#!/usr/bin/env node' },
});

// The workers of every workspace package the bundle inlined (the app's own included).
const packageRoots = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  if (input.includes('node_modules')) continue;
  const root = packageRootOf(resolve(input));
  if (root) packageRoots.add(root);
}
const workers = [...packageRoots].flatMap((root) => {
  const listed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workers ?? [];
  return listed.map((file) => resolve(root, file));
});
const outputs = [result];
for (const worker of workers) {
  const built = await build({
    ...options,
    entryPoints: [worker],
    outfile: join(dirname(resolve(outfile)), `${basename(worker, '.ts')}.js`),
    write: false,
  });
  // Written to a temporary name and renamed: a process starting a worker from this directory
  // while another build rewrites it (tests bundle into dist/ too) reads a whole file, never half.
  for (const file of built.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  outputs.push(built);
}

// Checked on the output, after tree shaking: only imports that survive must be resolvable.
const missing = new Set();
for (const built of outputs) {
  for (const output of Object.values(built.metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || imported.path.startsWith('node:')) continue;
      const name = packageName(imported.path);
      if (!builtins.has(name) && !declared.has(name)) missing.add(name);
    }
  }
}
if (missing.size > 0) {
  console.error(`${outfile} imports ${[...missing].join(', ')}: add to ${manifest.name} dependencies`);
  process.exit(1);
}

function packageRootOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return null;
}
