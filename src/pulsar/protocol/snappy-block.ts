// Snappy raw block format (not the framed/streaming format), as Pulsar's clients use for SNAPPY. Compression
// comes from snappyjs; decoding is our own because snappyjs's decoder ignores writes past the declared length
// and never checks that the output was filled, so corrupt input could come back as wrong bytes.
//
//   block   = uvarint(uncompressedLength) element*
//   element = literal (tag&3 = 0): length-1 in tag>>2, or in the next 1–4 bytes (le) when tag>>2 is 60–63
//           | copy1 (tag&3 = 1): length 4 + (tag>>2 & 7), offset (tag>>5)<<8 | next byte
//           | copy2 (tag&3 = 2): length 1 + tag>>2, offset u16le
//           | copy4 (tag&3 = 3): length 1 + tag>>2, offset u32le
import { compress as snappyjsCompress } from 'snappyjs';
import { ProtocolError } from '../errors.ts';
import { copyMatch } from './lz4-block.ts';

export function snappyCompressBlock(src: Uint8Array): Uint8Array {
  return snappyjsCompress(src);
}

/** The uncompressed length a block declares in its header; ProtocolError when the header is bad. */
export function snappyDeclaredLength(src: Uint8Array): [length: number, headerSize: number] {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= src.length) break;
    const b = src[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (value > 0xffffffff) break;
      return [value, i + 1];
    }
  }
  throw new ProtocolError('Snappy block has a bad length header');
}

/** Decodes a raw block that must expand to exactly `size` bytes; ProtocolError otherwise. */
export function snappyDecompressBlock(src: Uint8Array, size: number): Buffer {
  const [declared, header] = snappyDeclaredLength(src);
  if (declared !== size) throw new ProtocolError(`Snappy block declares ${declared} bytes, expected ${size}`);
  const out = Buffer.allocUnsafe(size);
  const n = src.length;
  let ip = header;
  let op = 0;
  while (ip < n) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let length = tag >>> 2;
      if (length >= 60) {
        const bytes = length - 59;
        if (ip + bytes > n) throw new ProtocolError('Snappy literal length truncated');
        length = readLE(src, ip, bytes);
        ip += bytes;
      }
      length += 1;
      if (length > n - ip || length > size - op) throw new ProtocolError('Snappy literal runs past the end');
      out.set(src.subarray(ip, ip + length), op);
      ip += length;
      op += length;
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (ip + 1 > n) throw new ProtocolError('Snappy copy truncated');
      length = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else {
      const bytes = kind === 2 ? 2 : 4;
      if (ip + bytes > n) throw new ProtocolError('Snappy copy truncated');
      length = 1 + (tag >>> 2);
      offset = readLE(src, ip, bytes);
      ip += bytes;
    }
    if (offset === 0 || offset > op) throw new ProtocolError(`Snappy copy offset ${offset} out of range`);
    if (length > size - op) throw new ProtocolError('Snappy copy runs past the declared size');
    op = copyMatch(out, op, offset, length);
  }
  if (op !== size) throw new ProtocolError(`Snappy block expands to ${op} bytes, expected ${size}`);
  return out;
}

function readLE(b: Uint8Array, at: number, bytes: number): number {
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + b[at + i]!;
  return v;
}
