import { murmur3Blocks, murmur3Finish } from './murmur3.ts';
import { writeUtf8 } from './utf8.ts';

/** Number of hash buckets; also the weight total, so one bucket is one basis point. */
export const BUCKET_COUNT = 10000;

/** Most versions one bucket map can hold, since each bucket stores its version index in a byte. */
export const MAX_VERSIONS = 255;

// Keys longer than this get a one-off buffer so a single huge key does not pin memory forever.
const MAX_RETAINED_SCRATCH = 64 * 1024;
let scratch = new Uint8Array(512);

// A data plane routes many keys under the same salt, so `salt + ':'` stays encoded at the start
// of `scratch` together with the hash state after its whole blocks; each call then only encodes
// and mixes the key. Safe because nothing here can re-enter bucketOf mid-call.
let primedSalt: string | null = null;
let prefixEnd = 0;
let prefixBlocksEnd = 0;
let prefixState = 0;

/**
 * The bucket of a routing key:
 * `murmur3_x86_32(utf8(salt + ':' + routingKey), seed 0) % 10000`.
 * UTF-8 is written straight into a reused buffer (lone surrogates as U+FFFD, like TextEncoder)
 * because a `TextEncoder` allocation per request would dominate the cost of routing.
 */
export function bucketOf(salt: string, routingKey: string): number {
  const needed = 3 * (salt.length + 1 + routingKey.length);
  if (needed > scratch.length) {
    if (needed > MAX_RETAINED_SCRATCH) return bucketOfOnce(salt, routingKey, needed);
    scratch = new Uint8Array(2 ** Math.ceil(Math.log2(needed)));
    primedSalt = null;
  }
  if (salt !== primedSalt) primeSalt(salt);
  const length = writeUtf8(routingKey, scratch, prefixEnd);
  return murmur3Finish(scratch, prefixBlocksEnd, length, prefixState) % BUCKET_COUNT;
}

function primeSalt(salt: string): void {
  prefixEnd = writeUtf8(salt, scratch, 0);
  scratch[prefixEnd++] = 0x3a; // ':'
  prefixBlocksEnd = prefixEnd & ~3;
  prefixState = murmur3Blocks(scratch, 0, prefixBlocksEnd, 0);
  primedSalt = salt;
}

function bucketOfOnce(salt: string, routingKey: string, needed: number): number {
  const buf = new Uint8Array(needed);
  let length = writeUtf8(salt, buf, 0);
  buf[length++] = 0x3a;
  length = writeUtf8(routingKey, buf, length);
  return murmur3Finish(buf, 0, length, 0) % BUCKET_COUNT;
}

/** A uniformly random bucket, for requests that carry no routing key (not sticky). */
export function randomBucket(): number {
  return Math.floor(Math.random() * BUCKET_COUNT);
}

/** A fresh salt: 16 lowercase hex characters from the platform CSPRNG. */
export function newSalt(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
