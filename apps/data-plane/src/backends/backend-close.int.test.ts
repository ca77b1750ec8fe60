import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, type Database } from '@modelplane/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demo,
  featureTensor,
  fileArtifact,
  LOCAL_ACCESS,
  onnxVersion,
  recordingLogger,
  tempDir,
} from '../../test/backend-fixtures.ts';
import { createBackendManager } from './backend-manager.ts';

// A remote backend that hangs must not hang shutdown: close() returns within its bound and says so.
let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
let server: Server;
let url: string;
/** Paths that answer; every other request is held open forever (until the server closes). */
let answering: Set<string>;

const METADATA = {
  name: 'recs',
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 8] }],
  outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 20] }],
};

beforeAll(async () => {
  database = await createDb({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/unused' });
  cache = await tempDir('close');
  server = createServer((request, response) => {
    request.resume();
    const path = request.url ?? '';
    if (!answering.has(path)) return; // never answered
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(path.endsWith('/ready') ? {} : METADATA));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await database.close();
  await cache.remove();
});

function hangingManager() {
  const logger = recordingLogger();
  const manager = createBackendManager({
    db: database.db,
    cacheDir: cache.path,
    logger,
    closeTimeoutMs: 300,
    // Far beyond the test's timeout: only the close bound can end the wait.
    remote: { loadTimeoutMs: 600_000 },
    defaultTimeoutMs: 600_000,
    ...LOCAL_ACCESS,
  });
  return { manager, logger };
}

const version = (name: string) => ({
  ...onnxVersion(demo('recs'), fileArtifact(demo('recs'))),
  id: `mv_${name}`,
  backend: { kind: 'oip' as const, url, remoteName: name },
  artifact: null,
});

const abandoned = (logger: ReturnType<typeof recordingLogger>) =>
  logger.records.filter((r) => String(r.msg).startsWith('backends did not close in time'));

describe('close() is bounded', () => {
  it('returns while a remote load still hangs, and logs what it abandoned', async () => {
    answering = new Set();
    const { manager, logger } = hangingManager();
    const loading = manager.ensureReady(version('never-loads')).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await manager.close();
    expect(abandoned(logger)).toHaveLength(1);
    expect(manager.state(version('never-loads').id)).toEqual({ status: 'absent' });
    void loading;
  });

  it('returns while a remote call is in flight and never answered', async () => {
    answering = new Set(['/v2/models/stuck', '/v2/models/stuck/ready']);
    const { manager, logger } = hangingManager();
    const runner = await manager.ensureReady(version('stuck'));
    const call = runner.infer([featureTensor(demo('recs'), 1)]).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await manager.close();
    expect(abandoned(logger)).toHaveLength(1);
    // A second close (the app's onClose after shutdown) resolves too, without another wait.
    await manager.close();
    expect(abandoned(logger)).toHaveLength(1);
    void call;
  });
});
