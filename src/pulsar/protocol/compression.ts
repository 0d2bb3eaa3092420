// Payload codecs, keyed by MessageMetadata.compression; the uncompressed size travels in uncompressed_size.
//   LZ4    raw block (no frame)            own code, lz4-block.ts
//   ZLIB   zlib-wrapped deflate            node:zlib (Java's payloads lack the final block, see SYNC)
//   ZSTD   standard zstd frame             node:zlib; "Stability: 1 - Experimental" in Node 24's docs (added
//                                          22.15/23.8), though it prints no warning on 24.9. Keep an eye on it.
//   SNAPPY raw block (not the framed form) snappyjs to compress, own decoder (snappy-block.ts)
import * as zlib from 'node:zlib';
import { ProtocolError } from '../errors.ts';
import { CompressionType } from './generated/pulsar_api_pb.js';
import { lz4CompressBlock, lz4DecompressBlock } from './lz4-block.ts';
import { snappyCompressBlock, snappyDecompressBlock } from './snappy-block.ts';

/**
 * Default bound of uncompressed_size accepted by decompress: a bomb guard. Chunked messages are reassembled
 * before decompression, so the bound is well above the broker's 5 MiB default message size.
 */
export const DEFAULT_MAX_UNCOMPRESSED_SIZE = 64 * 1024 * 1024;

/** Compresses a payload; NONE returns the input itself. */
export function compress(type: CompressionType, data: Uint8Array): Uint8Array {
  switch (type) {
    case CompressionType.NONE:
      return data;
    case CompressionType.LZ4:
      return lz4CompressBlock(data);
    case CompressionType.ZLIB:
      return zlib.deflateSync(data);
    case CompressionType.ZSTD:
      return zlib.zstdCompressSync(data);
    case CompressionType.SNAPPY:
      return snappyCompressBlock(data);
    default:
      throw new TypeError(`unknown compression type ${type}`);
  }
}

/**
 * Decompresses a payload that must expand to exactly `uncompressedSize` bytes. Throws ProtocolError, and
 * nothing else, for an unknown codec, corrupt data, a size mismatch, or a size above `maxUncompressedSize`.
 * NONE returns the input itself and ignores the size (producers need not set it then).
 */
export function decompress(
  type: CompressionType,
  data: Uint8Array,
  uncompressedSize: number,
  maxUncompressedSize = DEFAULT_MAX_UNCOMPRESSED_SIZE,
): Uint8Array {
  if (type === CompressionType.NONE) return data;
  if (!Number.isInteger(uncompressedSize) || uncompressedSize < 0) {
    throw new ProtocolError(`invalid uncompressed size ${uncompressedSize}`);
  }
  if (uncompressedSize > maxUncompressedSize) {
    throw new ProtocolError(`uncompressed size ${uncompressedSize} exceeds the limit ${maxUncompressedSize}`);
  }
  switch (type) {
    case CompressionType.LZ4:
      return lz4DecompressBlock(data, uncompressedSize);
    case CompressionType.SNAPPY:
      return snappyDecompressBlock(data, uncompressedSize);
    case CompressionType.ZLIB:
      return checkedSize(
        viaZlib('ZLIB', () =>
          zlib.inflateSync(data, { maxOutputLength: bound(uncompressedSize), finishFlush: SYNC }),
        ),
        uncompressedSize,
      );
    case CompressionType.ZSTD:
      return checkedSize(
        viaZlib('ZSTD', () => zlib.zstdDecompressSync(data, { maxOutputLength: bound(uncompressedSize) })),
        uncompressedSize,
      );
    default:
      throw new ProtocolError(`unknown compression type ${type}`);
  }
}

// Apache's Java client ends its ZLIB payloads with a sync flush instead of a final block (Deflater.SYNC_FLUSH),
// so a stream may stop without the end marker and checksum; Go and Java readers accept that as well.
const SYNC = zlib.constants.Z_SYNC_FLUSH;

// node:zlib rejects maxOutputLength 0; one spare byte also lets an overlong stream be told from an exact one.
function bound(size: number): number {
  return size + 1;
}

function viaZlib(codec: string, run: () => Buffer): Buffer {
  try {
    return run();
  } catch (cause) {
    throw new ProtocolError(`${codec} payload does not decompress`, { cause });
  }
}

function checkedSize(out: Buffer, size: number): Buffer {
  if (out.length !== size)
    throw new ProtocolError(`payload expands to ${out.length} bytes, expected ${size}`);
  return out;
}
