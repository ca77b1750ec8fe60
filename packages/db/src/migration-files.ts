import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One SQL file from the migrations directory. */
export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes. */
  checksum: string;
}

/**
 * The repository's top-level `migrations/` directory: the first ancestor of `from` holding both
 * `pnpm-workspace.yaml` and `migrations/`. Walking from this module's own URL keeps working when
 * esbuild inlines it into apps/<app>/dist/main.js, since that file still sits inside the repository.
 */
export function findMigrationsDir(from: string = fileURLToPath(import.meta.url)): string {
  for (const start of [dirname(from), process.cwd()]) {
    let dir = start;
    for (;;) {
      if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, 'migrations'))) {
        return join(dir, 'migrations');
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`migrate: no migrations/ directory found above ${from}; pass { dir }`);
}

/** Reads every `*.sql` file in `dir`, sorted by name. */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name));
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    }),
  );
}
