import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashToken } from '@modelplane/db';
import { generateToken } from './auth.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * In the embedded mode the server makes its own admin token on first start, prints it once and
 * keeps it in the data directory (mode 0600), where the CLI finds it when it talks to this server.
 */
export async function ensureEmbeddedAdminToken(
  dataDir: string,
): Promise<{ token: string; hash: string; created: boolean }> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 32) return { token, hash: hashToken(token), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const { token } = generateToken();
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { token, hash: hashToken(token), created: true };
}
