import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { uploadArtifact } from '@modelplane/client';
import type { Artifact } from '@modelplane/schemas';
import { type ConnectionSettings, resolveToken } from './connection.ts';
import { UsageError } from './errors.ts';

/**
 * Turns `--file model.onnx` into the artifact to register: the file is streamed to the control
 * plane, which stores it content-addressed in Postgres, so every replica on any host can load it.
 */
export async function uploadLocalArtifact(path: string, settings: ConnectionSettings): Promise<Artifact> {
  const absolute = resolve(settings.cwd, path);
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--file: cannot read ${absolute}: ${error.code ?? error.message}`);
  });
  if (!info.isFile()) throw new UsageError(`--file: ${absolute} is not a regular file`);
  const uploaded = await uploadArtifact({
    url: settings.url,
    token: await resolveToken(settings),
    path: absolute,
  });
  return { uri: uploaded.uri, sha256: uploaded.sha256 };
}
