/**
 * ULIDs (time-ordered ids), from a pool of random bytes: ulid's default source asks
 * the crypto library for one byte per character (16 calls an id), which showed in
 * profiles of order placement. Same source, the same 5 bits a character, fewer calls.
 */
import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

const pool = new Uint8Array(4096);
let next = pool.length;

/** A random fraction in [0, 1), from one pooled byte (ulid's PRNG contract). */
function pooledRandom(): number {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

export const newUlid = (): string => ulid(undefined, pooledRandom);
