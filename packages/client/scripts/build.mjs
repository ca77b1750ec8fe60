// Builds the publishable package into dist/: one ESM bundle (our workspace code such as the
// schemas inlined, third-party packages external) and one self-contained index.d.ts. Run through
// `pnpm --filter @modelplane/client build:package`, `pnpm pack:client` or `pnpm api:update`.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';
import { generateRouterTypes, TRPC_SERVER_IMPORTS } from './router-types.mjs';

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const routerFile = resolve(packageDir, '../../apps/control-plane/src/router.ts');

/** The third-party packages dist/ may import: the manifest's non-workspace dependencies. */
export async function runtimeDependencies() {
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
  return Object.fromEntries(
    Object.entries(manifest.dependencies ?? {}).filter(([, range]) => !range.startsWith('workspace:')),
  );
}

const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

/**
 * Builds index.js and index.d.ts into `outDir` (default dist/); returns the declaration text.
 * Separate builds may run at once (a test and `pnpm pack:client`) as long as their outDirs differ.
 */
export async function buildPackage(outDir = join(packageDir, 'dist')) {
  const allowed = new Set(Object.keys(await runtimeDependencies()));
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await buildJs(allowed, outDir);
  const declarations = await buildDeclarations();
  await writeFile(join(outDir, 'index.d.ts'), declarations);
  const imported = [...declarations.matchAll(/from ['"]([^'"]+)['"]/g)].map((m) => packageName(m[1]));
  const stray = imported.filter((name) => !allowed.has(name));
  if (stray.length > 0) throw new Error(`dist/index.d.ts imports ${stray.join(', ')}: not a dependency`);
  return declarations;
}

async function buildJs(allowed, outDir) {
  const result = await build({
    entryPoints: [join(packageDir, 'src/index.ts')],
    outfile: join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'external-third-party',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@modelplane/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  const builtins = new Set(builtinModules);
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith('node:') || builtins.has(packageName(path))) continue;
      if (!allowed.has(packageName(path))) {
        throw new Error(
          `dist/index.js imports ${path}: add ${packageName(path)} to the client's dependencies`,
        );
      }
    }
  }
}

/**
 * The router type comes from the generated file: `paths` points the control plane's name at it.
 * The schemas are mapped to their source too, so the bundler sees local files (which it inlines)
 * rather than a package reached through node_modules (which it would import).
 */
async function buildDeclarations() {
  // Inside the package, so the generated file's `@trpc/server` import resolves from its node_modules.
  const scratch = await mkdtemp(join(packageDir, '.build-'));
  try {
    return await bundleDeclarations(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function bundleDeclarations(scratch) {
  const router = generateRouterTypes(routerFile);
  const header = [
    "// Generated from apps/control-plane's AppRouter by packages/client/scripts/router-types.mjs.",
    `import type { ${TRPC_SERVER_IMPORTS.join(', ')} } from '@trpc/server';`,
    '',
  ].join('\n');
  await writeFile(join(scratch, 'app-router.d.ts'), `${header}\n${router}\n`);
  const tsconfig = {
    extends: join(packageDir, 'tsconfig.json'),
    compilerOptions: {
      paths: {
        '@modelplane/control-plane': ['./app-router.d.ts'],
        '@modelplane/schemas': [join(packageDir, '../schemas/src/index.ts')],
      },
    },
    include: [join(packageDir, 'src'), './app-router.d.ts'],
    exclude: [join(packageDir, 'src/**/*.test.ts')],
  };
  const configPath = join(scratch, 'tsconfig.json');
  await writeFile(configPath, JSON.stringify(tsconfig, null, 2));
  const [text] = generateDtsBundle(
    [
      {
        filePath: join(packageDir, 'src/index.ts'),
        output: { noBanner: true, exportReferencedTypes: false, sortNodes: false },
      },
    ],
    { preferredConfigPath: configPath },
  );
  return `// @modelplane/client: generated by packages/client/scripts/build.mjs, do not edit.\n${text}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildPackage();
  console.log('built packages/client/dist (index.js, index.d.ts)');
}
