// `pnpm lint` runs this: it fails when the relative imports of any workspace package's src/ form a
// cycle, printing each as a chain of files. Usage: node scripts/check-import-cycles.mjs [repo root]
//
// scripts/import-cycles-allowlist.txt lists cycles that may stay for now, one per line as printed.
// It is temporary: it exists so lint stays green while a restructuring that removes them is under
// way, and it must only shrink. An entry whose cycle no longer exists fails the check too, so the
// list never names cycles that are gone.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles, importGraph, sourceFiles } from './import-cycles.mjs';

const ARROW = ' -> ';

/** The src/ directories of the packages pnpm-workspace.yaml lists (`dir` and `dir/*` entries). */
export function workspaceSourceDirs(root) {
  const manifest = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = manifest.match(/^packages:\n((?:\s+-.*\n?)+)/m)?.[1] ?? '';
  const patterns = [...block.matchAll(/-\s*['"]?([^'"\n]+?)['"]?\s*$/gm)].map((m) => m[1]);
  const packages = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name));
  });
  return packages.map((dir) => join(dir, 'src')).filter((dir) => existsSync(dir));
}

/** A cycle as one line: `a.ts -> b.ts -> a.ts`, paths relative to the repository root. */
export function formatCycle(root, cycle) {
  const files = cycle.map((file) => relative(root, file));
  return [...files, files[0]].join(ARROW);
}

/** The cycles of the workspace, split into those the allowlist names and the rest. */
export function checkImportCycles(root, allowlistFile = join(root, 'scripts/import-cycles-allowlist.txt')) {
  const files = workspaceSourceDirs(root).flatMap(sourceFiles);
  const found = findCycles(importGraph(files)).map((cycle) => formatCycle(root, cycle));
  const allowed = existsSync(allowlistFile)
    ? readFileSync(allowlistFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
    : [];
  return {
    files: files.length,
    unexpected: found.filter((line) => !allowed.includes(line)),
    allowed: found.filter((line) => allowed.includes(line)),
    stale: allowed.filter((line) => !found.includes(line)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../..'));
  const { files, unexpected, allowed, stale } = checkImportCycles(root);
  for (const line of unexpected) console.error(`import cycle: ${line}`);
  for (const line of stale) {
    console.error(
      `scripts/import-cycles-allowlist.txt names a cycle that no longer exists, remove it: ${line}`,
    );
  }
  if (unexpected.length > 0 || stale.length > 0) {
    if (unexpected.length > 0) {
      console.error(
        `${unexpected.length} import cycle(s): move what both sides need into a module both import`,
      );
    }
    process.exit(1);
  }
  console.log(
    allowed.length > 0
      ? `import cycles among ${files} files: only the ${allowed.length} scripts/import-cycles-allowlist.txt allows for now`
      : `no import cycles among ${files} files`,
  );
}
