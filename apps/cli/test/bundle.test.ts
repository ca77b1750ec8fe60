import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { assertBuilt, CLI_BIN } from './processes.ts';

describe('the bundled CLI', () => {
  it('loads nothing but Node built-ins and the tRPC client at start-up', async () => {
    assertBuilt();
    const source = await readFile(CLI_BIN, 'utf8');
    const imported = new Set([...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]));
    const thirdParty = [...imported].filter((name) => !name?.startsWith('node:'));
    // Zod (via @modelplane/schemas) would add about half a second to every command on a busy machine.
    expect(thirdParty).toEqual(['@trpc/client']);
  });
});
