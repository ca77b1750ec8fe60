import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CHECK = fileURLToPath(new URL('./check-import-cycles.mjs', import.meta.url));
const roots = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A workspace with one package, `pkg`, whose src/ holds `files` (path → source). */
function workspace(files, allowlist) {
  const root = mkdtempSync(join(tmpdir(), 'import-cycles-'));
  roots.push(root);
  writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
  for (const [path, source] of Object.entries(files)) {
    const file = join(root, 'packages/pkg/src', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }
  if (allowlist !== undefined) {
    mkdirSync(join(root, 'scripts'));
    writeFileSync(join(root, 'scripts/import-cycles-allowlist.txt'), allowlist);
  }
  return root;
}

async function check(root) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CHECK, root]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

const acyclic = {
  'a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
  'b.ts': "import type { C } from './lib/c.ts';\nexport const b: C = 1;\n",
  'lib/c.ts': 'export type C = number;\n',
  'lib/index.ts': "export * from './c.ts';\n",
};
// x → y → z → x, closed by a type-only import, plus an unrelated import of a package.
const cyclic = {
  'x.ts': "import { y } from './y.ts';\nimport { z } from 'zod';\nexport const x = y;\n",
  'y.ts': "import { z } from './sub/z.ts';\nexport const y = z;\n",
  'sub/z.ts': "import type { X } from '../x.ts';\nexport const z = 1;\nexport type Z = X;\n",
};
const chain =
  'packages/pkg/src/sub/z.ts -> packages/pkg/src/x.ts -> packages/pkg/src/y.ts -> packages/pkg/src/sub/z.ts';

describe('check-import-cycles', () => {
  it('passes a package without cycles', async () => {
    const result = await check(workspace(acyclic));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no import cycles among 4 files/);
  });

  it('fails on a cycle, type-only imports included, and prints it as a chain of files', async () => {
    const result = await check(workspace({ ...acyclic, ...cyclic }));
    assert.equal(result.code, 1);
    assert.equal(result.stderr.split('\n')[0], `import cycle: ${chain}`);
    assert.match(result.stderr, /1 import cycle\(s\)/);
  });

  it('lets a cycle the allowlist names pass, and fails on an allowlist line whose cycle is gone', async () => {
    const allowed = await check(workspace(cyclic, `# temporary\n${chain}\n`));
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /only the 1 scripts\/import-cycles-allowlist.txt allows for now/);

    const stale = await check(workspace(acyclic, `${chain}\n`));
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /names a cycle that no longer exists, remove it: .*sub\/z\.ts/);
  });

  it('prints one cycle per import that closes a loop in a tangle', async () => {
    const result = await check(
      workspace({
        'a.ts': "import './b.ts';\nimport './c.ts';\n",
        'b.ts': "import './a.ts';\n",
        'c.ts': "export {};\nawait import('./a.ts');\n",
      }),
    );
    assert.equal(result.code, 1);
    const cycles = result.stderr.split('\n').filter((line) => line.startsWith('import cycle:'));
    assert.deepEqual(cycles, [
      'import cycle: packages/pkg/src/a.ts -> packages/pkg/src/b.ts -> packages/pkg/src/a.ts',
      'import cycle: packages/pkg/src/a.ts -> packages/pkg/src/c.ts -> packages/pkg/src/a.ts',
    ]);
  });
});
