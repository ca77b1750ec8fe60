// `pnpm pack:client`: builds the package and packs it with npm from a staging directory whose
// manifest is written here, so the tarball names only real runtime dependencies (no workspace
// packages, no devDependencies, no scripts) and points `exports` at the built files.
// Prints the tarball's absolute path. Usage: node scripts/pack.mjs [--out <dir>]
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildPackage, packageDir, runtimeDependencies } from './build.mjs';

/** The manifest the tarball ships with. */
export async function publishedManifest() {
  const source = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
  return {
    name: source.name,
    version: source.version,
    description: 'Typed clients for Modelplane: the control plane (tRPC) and the data plane (HTTP).',
    license: 'UNLICENSED',
    type: 'module',
    engines: { node: '>=20.11' },
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    types: './dist/index.d.ts',
    files: ['dist', 'README.md'],
    sideEffects: false,
    dependencies: await runtimeDependencies(),
  };
}

/** Builds, stages and packs; returns the tarball's path inside `outDir`. */
export async function packClient(outDir = join(packageDir, 'dist')) {
  const stage = await mkdtemp(join(tmpdir(), 'modelplane-client-pack-'));
  try {
    await buildPackage(join(stage, 'dist'));
    await copyFile(join(packageDir, 'README.md'), join(stage, 'README.md'));
    await writeFile(join(stage, 'package.json'), `${JSON.stringify(await publishedManifest(), null, 2)}\n`);
    await mkdir(outDir, { recursive: true });
    const { stdout } = await promisify(execFile)(
      'npm',
      ['pack', '--json', '--pack-destination', resolve(outDir)],
      { cwd: stage },
    );
    const [{ filename }] = JSON.parse(stdout);
    return join(resolve(outDir), filename);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  console.log(await packClient(at > 0 ? resolve(process.argv[at + 1]) : undefined));
}
