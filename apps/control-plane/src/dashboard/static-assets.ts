import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// The page loads only its own scripts and styles and talks only to this origin.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The built dashboard: `DASHBOARD_DIR`, else `apps/dashboard/dist` in the first ancestor of this
 * file (or of the working directory) holding pnpm-workspace.yaml. Walking from this module's URL
 * keeps working when esbuild inlines it into apps/<app>/dist/main.js. Null when it was not built.
 */
export function findDashboardDir(configured: string | undefined): string | null {
  if (configured) {
    const dir = resolve(configured);
    return existsSync(join(dir, 'index.html')) ? dir : null;
  }
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'apps', 'dashboard', 'dist');
      if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(candidate, 'index.html'))) {
        return candidate;
      }
      if (dirname(dir) === dir) break;
    }
  }
  return null;
}

/**
 * Serves the dashboard under /ui: hashed files under /ui/assets/ are cached for good, any other
 * path gets index.html (the page routes on the client), so a reload of /ui/models/recs works.
 */
export async function dashboardStaticRoutes(
  app: FastifyInstance,
  options: { configuredDir: string | undefined },
): Promise<void> {
  let root = findDashboardDir(options.configuredDir);
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/*', async (request, reply) => {
    // Looked for again until found: a build finished after start-up is served without a restart.
    root ??= findDashboardDir(options.configuredDir);
    if (!root) {
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('the dashboard is not built: run `pnpm build` (or set DASHBOARD_DIR)');
    }
    const wanted = (request.params as { '*': string })['*'];
    let file = resolve(root, decodeSafely(wanted) ?? '\0');
    const inside = file.startsWith(root + sep);
    const isFile = inside && (await stat(file).catch(() => null))?.isFile() === true;
    if (!isFile) {
      if (wanted.startsWith('assets/')) return reply.code(404).type('text/plain').send('not found');
      file = join(root, 'index.html');
    }
    const immutable = isFile && wanted.startsWith('assets/');
    return reply
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
      .send(createReadStream(file));
  });
}

function decodeSafely(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}
