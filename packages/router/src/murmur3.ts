const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's `MurmurHash3_x86_32` from SMHasher), over
 * `bytes` with the given seed. Returns an unsigned 32-bit integer.
 */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  return murmur3Finish(bytes, 0, bytes.length, seed | 0);
}

/**
 * Mixes the whole 4-byte blocks in `bytes[from, to)` into the running hash `h` and returns it.
 * `to - from` must be a multiple of 4 and `from` a block boundary of the overall input. Lets
 * `bucketOf` hash a salt prefix once and resume from it on every request.
 */
export function murmur3Blocks(bytes: Uint8Array, from: number, to: number, h: number): number {
  for (let i = from; i < to; i += 4) {
    let k = at(bytes, i) | (at(bytes, i + 1) << 8) | (at(bytes, i + 2) << 16) | (at(bytes, i + 3) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return h;
}

/**
 * Finishes a hash whose state `h` already covers `bytes[0, from)`: mixes the remaining blocks
 * and tail of `bytes[from, length)`, then applies the length and the final avalanche.
 * Returns the unsigned 32-bit result.
 */
export function murmur3Finish(bytes: Uint8Array, from: number, length: number, h: number): number {
  const blockEnd = from + ((length - from) & ~3);
  h = murmur3Blocks(bytes, from, blockEnd, h);
  const tail = length - blockEnd;
  if (tail !== 0) {
    let k = at(bytes, blockEnd);
    if (tail >= 2) k ^= at(bytes, blockEnd + 1) << 8;
    if (tail === 3) k ^= at(bytes, blockEnd + 2) << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Callers stay within the written length, so the index is always in range; the cast satisfies
// noUncheckedIndexedAccess without a branch on the hot path.
function at(bytes: Uint8Array, i: number): number {
  return bytes[i] as number;
}
