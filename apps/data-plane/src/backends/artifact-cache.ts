import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactFetchError } from './artifact-errors.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * An artifact's bytes do not hash to the digest the registry recorded for it. The message names
 * only the registered digest (it reaches viewers); `actual` is for the log: the hash of whatever a
 * URI pointed at says something about that content.
 */
export class ArtifactIntegrityError extends Error {
  constructor(
    readonly ref: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`artifact for ${ref} failed sha256 verification: its bytes do not hash to ${expected}`);
    this.name = 'ArtifactIntegrityError';
  }
}

/** Throws unless `digest` is 64 lowercase hex characters; it becomes a file name, so this also stops path tricks. */
export function assertSha256(digest: string, ref: string): void {
  if (!SHA256_HEX.test(digest))
    throw new Error(`artifact for ${ref} has an invalid sha256 '${digest.slice(0, 80)}'`);
}

/** Where a verified artifact lives: named by its digest, so two versions sharing bytes share a file. */
export function cachedArtifactPath(cacheDir: string, sha256: string): string {
  return join(cacheDir, `${sha256}.onnx`);
}

/** The sha256 of a file, streamed so large artifacts never sit in memory twice. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The cached copy's path when it exists and still hashes to `sha256`. A corrupt copy (disk fault, a
 * hand edit) is deleted so the caller fetches again instead of failing forever.
 */
export async function findCachedArtifact(cacheDir: string, sha256: string): Promise<string | undefined> {
  const path = cachedArtifactPath(cacheDir, sha256);
  let actual: string;
  try {
    actual = await sha256OfFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (actual === sha256) return path;
  await rm(path, { force: true });
  return undefined;
}

/**
 * Writes `source` to a temporary file in `cacheDir` while hashing it, and renames it into place only
 * when the digest matches, so the cache never holds an unverified file under a digest's name.
 */
export async function storeVerifiedArtifact(
  cacheDir: string,
  sha256: string,
  source: AsyncIterable<Uint8Array>,
  options: { ref: string; maxBytes: number },
): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = join(cacheDir, `.tmp-${sha256.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  const file = await open(tmp, 'wx', 0o600);
  try {
    let size = 0;
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > options.maxBytes) {
        throw new ArtifactFetchError(
          `artifact for ${options.ref} is larger than the ${options.maxBytes}-byte limit`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.sync();
    await file.close();
    const actual = hash.digest('hex');
    if (actual !== sha256) throw new ArtifactIntegrityError(options.ref, sha256, actual);
    const path = cachedArtifactPath(cacheDir, sha256);
    await rename(tmp, path);
    return path;
  } catch (error) {
    await file.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Reads a cached artifact into memory and checks its digest again: these exact bytes go to the
 * runtime, so nothing can swap the file between verification and load.
 */
export async function readVerifiedArtifact(path: string, sha256: string, ref: string): Promise<Uint8Array> {
  const bytes = await readFile(path);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new ArtifactIntegrityError(ref, sha256, actual);
  return bytes;
}
