import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { generateRouterTypes, TRPC_SERVER_IMPORTS } from '../scripts/router-types.mjs';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/router.ts');

/** Type-checks `usage` against the generated module alone, as a consumer would: returns tsc's errors. */
function check(generated: string, usage: string): string[] {
  // In memory beside the fixture, so `@trpc/*` resolve from this package's node_modules.
  const dir = join(dirname(fixture), '__consumer__');
  const files = new Map([
    [
      join(dir, 'router.d.ts'),
      `import type { ${TRPC_SERVER_IMPORTS.join(', ')} } from '@trpc/server';\n${generated}`,
    ],
    [
      join(dir, 'usage.ts'),
      `import type { AppRouter } from './router.js';\nimport type { TRPCClient } from '@trpc/client';\n` +
        `declare const client: TRPCClient<AppRouter>;\n${usage}\nexport {};`,
    ],
  ]);
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const exists = host.fileExists.bind(host);
  const read = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const dirExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) => name === dir || (dirExists?.(name) ?? true);
  host.fileExists = (name) => files.has(name) || exists(name);
  host.readFile = (name) => files.get(name) ?? read(name);
  host.getSourceFile = (name, target, ...rest) => {
    const text = files.get(name);
    return text === undefined
      ? getSourceFile(name, target, ...rest)
      : ts.createSourceFile(name, text, target);
  };
  const program = ts.createProgram([join(dir, 'usage.ts')], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('generateRouterTypes', () => {
  const generated = generateRouterTypes(fixture);

  it('spells out procedures without the server context', () => {
    expect(generated).not.toMatch(/database|query\(sql/);
    expect(generated).toContain('put: TRPCMutationProcedure<{');
    expect(generated).toContain('list: TRPCQueryProcedure<{');
    expect(generated).toMatch(/count\?: number \| undefined;/);
    // Outputs as the client receives them: JSON, so a Date arrives as a string.
    expect(generated).toMatch(/createdAt: string;/);
    expect(generated).toMatch(/state: "done" \| "new";/);
    expect(generated).toMatch(/^type Json = /m);
  });

  it('gives a client the same checks as the real router', () => {
    const ok = [
      "const items: { id: string; createdAt: string; state: 'new' | 'done' }[] = await client.items.list.query();",
      "const put: { ok: true; id: string; tags: string[] } = await client.items.put.mutate({ id: 'a' });",
      'const doc = await client.document.query();',
      "if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) doc.x satisfies unknown;",
    ].join('\n');
    expect(check(generated, ok)).toEqual([]);
    const bad = [
      'await client.items.remove.mutate({});',
      'await client.items.put.mutate({ id: 1 });',
      'const n: number = (await client.items.list.query())[0]!.id;',
    ].join('\n');
    expect(check(generated, bad)).toEqual([
      expect.stringMatching(/Property 'remove' does not exist/),
      expect.stringMatching(/Type 'number' is not assignable to type 'string'/),
      expect.stringMatching(/Type 'string' is not assignable to type 'number'/),
    ]);
  });
});
