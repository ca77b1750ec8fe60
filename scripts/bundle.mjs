// Bundles an app entry point into one ESM file: our workspace packages are inlined
// (they ship TypeScript source), third-party packages stay external and load from node_modules.
import { build } from 'esbuild';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: bundle.mjs <entry.ts> <outfile.js>');
  process.exit(2);
}

const externalThirdParty = {
  name: 'external-third-party',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@modelplane/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

await build({
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
});
// Workspace packages are inlined, so the third-party packages they import must also be
// dependencies of the app being bundled, or Node cannot find them from dist/.
