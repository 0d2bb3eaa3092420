// LZ4 raw block format (no frame, no size header), as Pulsar's clients put in payloads with compression LZ4.
// Own code rather than lz4js: lz4js's compressBlock may start a match within the last 12 bytes of the block,
// which the reference decoder (used by Apache's C++ client) rejects, and its decompressBlock does no bounds
// checks. This decoder never reads or writes out of bounds and does O(input + output) work.
//
//   sequence = token(litLen:4 | matchLen-4:4) [litLen ext] literals [offset u16le matchLen ext]
//   a length field of 15 continues with bytes added to it, each 255 meaning "more follows";
//   the last sequence has literals only; the last 5 bytes are literals; the last match starts ≥ 12 bytes
//   before the end.
import { ProtocolError } from '../errors.ts';

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_BITS = 16;

/** Largest size compressing `n` bytes can produce. */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

export function lz4CompressBlock(src: Uint8Array): Buffer {
  const n = src.length;
  const out = Buffer.allocUnsafe(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;
  if (n > MF_LIMIT) {
    // Positions + 1 of the last 4-byte sequence seen per hash; 0 means none.
    const table = new Int32Array(1 << HASH_BITS);
    const lastMatchStart = n - MF_LIMIT;
    const matchLimit = n - LAST_LITERALS;
    let ip = 0;
    let misses = 0;
    while (ip <= lastMatchStart) {
      const seq = read32(src, ip);
      const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
      let ref = table[h]! - 1;
      table[h] = ip + 1;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        // Skip faster through data that does not compress.
        ip += 1 + (misses++ >> 6);
        continue;
      }
      misses = 0;
      let start = ip;
      while (start > anchor && ref > 0 && src[start - 1] === src[ref - 1]) {
        start--;
        ref--;
      }
      let end = ip + MIN_MATCH;
      while (end < matchLimit && src[end] === src[ref + (end - start)]) end++;
      op = writeSequence(out, op, src, anchor, start, start - ref, end - start);
      anchor = end;
      ip = end;
    }
  }
  op = writeLiterals(out, op, src, anchor, n, 0);
  return out.subarray(0, op);
}

function writeSequence(
  out: Buffer,
  op: number,
  src: Uint8Array,
  from: number,
  to: number,
  offset: number,
  matchLength: number,
): number {
  const extra = matchLength - MIN_MATCH;
  op = writeLiterals(out, op, src, from, to, Math.min(extra, 15));
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  if (extra >= 15) op = writeLengthTail(out, op, extra - 15);
  return op;
}

/** Token (with the match nibble given) + literal length + the literals src[from, to). */
function writeLiterals(
  out: Buffer,
  op: number,
  src: Uint8Array,
  from: number,
  to: number,
  matchNibble: number,
) {
  const length = to - from;
  out[op++] = (Math.min(length, 15) << 4) | matchNibble;
  if (length >= 15) op = writeLengthTail(out, op, length - 15);
  out.set(src.subarray(from, to), op);
  return op + length;
}

function writeLengthTail(out: Buffer, op: number, rest: number): number {
  while (rest >= 255) {
    out[op++] = 255;
    rest -= 255;
  }
  out[op++] = rest;
  return op;
}

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Decodes a raw block that must expand to exactly `size` bytes; ProtocolError otherwise. */
export function lz4DecompressBlock(src: Uint8Array, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const n = src.length;
  if (n === 0 && size === 0) return out;
  let ip = 0;
  let op = 0;
  for (;;) {
    if (ip >= n) throw new ProtocolError('LZ4 block truncated');
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) [literals, ip] = readLengthTail(src, ip, literals);
    if (literals > n - ip || literals > size - op) throw new ProtocolError('LZ4 literals run past the end');
    out.set(src.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    if (ip === n) break;
    if (ip + 2 > n) throw new ProtocolError('LZ4 block truncated in an offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new ProtocolError(`LZ4 match offset ${offset} out of range`);
    let length = token & 15;
    if (length === 15) [length, ip] = readLengthTail(src, ip, length);
    length += MIN_MATCH;
    if (length > size - op) throw new ProtocolError('LZ4 match runs past the declared size');
    op = copyMatch(out, op, offset, length);
  }
  if (op !== size) throw new ProtocolError(`LZ4 block expands to ${op} bytes, expected ${size}`);
  return out;
}

function readLengthTail(src: Uint8Array, ip: number, length: number): [number, number] {
  let b: number;
  do {
    if (ip >= src.length) throw new ProtocolError('LZ4 block truncated in a length');
    b = src[ip++]!;
    length += b;
  } while (b === 255);
  return [length, ip];
}

/** Copies `length` bytes from `offset` back; overlapping copies repeat the pattern, doubling each round. */
export function copyMatch(out: Buffer, op: number, offset: number, length: number): number {
  const from = op - offset;
  let left = length;
  while (left > 0) {
    const chunk = Math.min(left, op - from);
    out.copyWithin(op, from, from + chunk);
    op += chunk;
    left -= chunk;
  }
  return op;
}
