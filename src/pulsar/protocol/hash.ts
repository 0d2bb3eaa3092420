// Key hashes that must agree bit for bit with Apache's Java client, so that a key lands on the same partition
// (and Key_Shared range) whichever client produced it.

/**
 * Java's `String.hashCode()`: `h = 31·h + c` over the UTF-16 code units, in int32 arithmetic. Signed, as in
 * Java; the Java client's default JavaStringHash routing uses `(hash & 0x7fffffff) % partitions`.
 */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK1(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/**
 * MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes of a string (or over raw bytes), masked to 31 bits
 * (`& 0x7fffffff`): the value of Pulsar's Murmur3_32Hash, the Java client's alternative routing hash and the
 * hash Key_Shared subscriptions use for their ranges.
 */
export function murmur3Hash32(input: string | Uint8Array): number {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const n = data.length;
  const whole = n - (n % 4);
  let h = 0;
  for (let i = 0; i < whole; i += 4) {
    h ^= mixK1(data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let i = n - 1; i >= whole; i--) k = (k << 8) | data[i]!;
  if (n > whole) h ^= mixK1(k);
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}
