import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ControlPlaneClient, createControlPlaneClient } from '@modelplane/client';
import { UsageError } from './errors.ts';

/** Where the embedded control plane writes its admin token, inside its data directory. */
export const ADMIN_TOKEN_FILE = 'admin-token';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Everything needed to reach the control plane, after flags and environment are merged. */
export interface ConnectionSettings {
  url: string;
  token: string | undefined;
  /** The embedded server's data directory, searched for its admin token. */
  dataDir: string;
  cwd: string;
}

/** Fails early on a URL fetch would reject with a confusing message. */
export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url: "${url}" must be an http(s) URL`);
  }
  return url.replace(/\/+$/, '');
}

/**
 * The explicit token if there is one; otherwise, for a control plane on this machine, the token
 * the embedded server saved on its first start.
 */
export async function resolveToken(settings: ConnectionSettings): Promise<string> {
  if (settings.token) return settings.token;
  const host = new URL(settings.url).hostname;
  if (!LOCAL_HOSTS.has(host)) {
    throw new UsageError('no token: pass --token or set MODELPLANE_TOKEN');
  }
  const path = join(resolve(settings.cwd, settings.dataDir), ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token) return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }
  throw new UsageError(
    `no token: pass --token, set MODELPLANE_TOKEN, or point --data-dir at the embedded server's data directory (no ${path})`,
  );
}

/** Builds the client once the token is known. */
export async function connect(settings: ConnectionSettings, timeoutMs?: number): Promise<ControlPlaneClient> {
  const token = await resolveToken(settings);
  return createControlPlaneClient({
    url: settings.url,
    token,
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
}
