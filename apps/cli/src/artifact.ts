import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Artifact } from '@modelplane/schemas';
import { UsageError } from './errors.ts';

/**
 * Turns `--file model.onnx` into the artifact to register. For now the artifact stays where it is
 * and is referenced by a file:// URI (the data plane must see the same path); when the control
 * plane gains an upload route, this is the one function to swap for an upload.
 */
export async function localArtifact(path: string, cwd: string): Promise<Artifact> {
  const absolute = resolve(cwd, path);
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--file: cannot read ${absolute}: ${error.code ?? error.message}`);
  });
  if (!info.isFile()) throw new UsageError(`--file: ${absolute} is not a regular file`);
  return { uri: pathToFileURL(absolute).href, sha256: await sha256File(absolute) };
}

/** Streams the file, so a multi-gigabyte model is never held in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
