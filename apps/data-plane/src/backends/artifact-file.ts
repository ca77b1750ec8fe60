import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArtifactFetchError } from './artifact-errors.ts';

/** Kernel and device trees: never model files, and reading them can hang, never end or leak state. */
const SPECIAL_TREES = ['/dev', '/proc', '/sys'];

/**
 * Opens a `file://` artifact for reading, only when `root` is set (ARTIFACT_FILE_ROOT; the embedded
 * mode defaults it to `/`) and the file, with every symlink resolved, is a regular file inside it.
 * Devices, FIFOs, sockets, /dev, /proc and /sys are refused; a FIFO is opened non-blocking, so even
 * checking one never hangs. Refusals name no path (they reach viewers); the path goes in `detail`.
 */
export async function openFileArtifact(
  url: URL,
  options: { ref: string; root: string | undefined; maxBytes: number },
): Promise<AsyncIterable<Uint8Array>> {
  const refuse = (reason: string, detail: string) =>
    new ArtifactFetchError(`reading the artifact for ${options.ref} was refused: ${reason}`, { detail });
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    throw refuse('the file:// URI is not a local path', String(error));
  }
  if (options.root === undefined) {
    throw refuse('file:// artifacts are disabled on this replica (set ARTIFACT_FILE_ROOT)', `path ${path}`);
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code})`;
    throw new ArtifactFetchError(`reading the artifact for ${options.ref} failed: ${reason}`, {
      detail: `path ${path}: ${String(error)}`,
    });
  }
  if (SPECIAL_TREES.some((tree) => real === tree || real.startsWith(`${tree}/`))) {
    throw refuse('it names a device or kernel file', `path ${path} resolves to ${real}`);
  }
  const root = await realpath(options.root).catch(() => options.root as string);
  if (!isWithin(root, real)) {
    throw refuse('the file is outside ARTIFACT_FILE_ROOT', `path ${path} resolves to ${real}, root ${root}`);
  }
  // O_NOFOLLOW: `real` has no symlinks left, so one appearing now is a swap and is refused.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (error: unknown) => {
      throw new ArtifactFetchError(
        `reading the artifact for ${options.ref} failed: the file cannot be opened`,
        {
          detail: `path ${real}: ${String(error)}`,
        },
      );
    },
  );
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw refuse('it is not a regular file', `path ${real} is not a regular file`);
  }
  if (stats.size > options.maxBytes) {
    await handle.close();
    throw new ArtifactFetchError(
      `artifact for ${options.ref} is larger than the ${options.maxBytes}-byte limit`,
    );
  }
  return handle.createReadStream({ highWaterMark: 1024 * 1024 });
}

function isWithin(root: string, path: string): boolean {
  if (root === sep) return path.startsWith(sep);
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}
