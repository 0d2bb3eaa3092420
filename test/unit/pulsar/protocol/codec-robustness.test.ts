// Property tests: decoders fed random, truncated or corrupted input fail with ProtocolError only, and our LZ4
// blocks keep the format's end-of-block rules that Apache's C++ client (reference liblz4) enforces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../../../src/pulsar/errors.ts';
import {
  compress,
  create,
  decodeBatch,
  decodeFrame,
  decompress,
  encodeBatch,
  encodePayloadCommand,
  MessageMetadataSchema,
  ProtoCompressionType,
  sendCommand,
} from '../../../../src/pulsar/protocol/index.ts';
import { lz4CompressBlock } from '../../../../src/pulsar/protocol/lz4-block.ts';

const CODECS = [
  ProtoCompressionType.LZ4,
  ProtoCompressionType.ZLIB,
  ProtoCompressionType.ZSTD,
  ProtoCompressionType.SNAPPY,
];

/** Runs `fn`; anything thrown must be a ProtocolError. */
function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

/** Data with repeats, so that compressors emit matches near the end of the block. */
const repetitive = fc
  .array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constant(new Uint8Array([1, 2, 3, 4]))), {
    maxLength: 60,
  })
  .chain((pieces) =>
    fc.array(fc.constantFrom(...(pieces.length ? pieces : [new Uint8Array(1)])), { maxLength: 80 }),
  )
  .map((parts) => Buffer.concat(parts));

const input = fc.oneof(fc.uint8Array({ maxLength: 400 }), repetitive);

test('LZ4 blocks: last 5 bytes are literals and the last match starts at least 12 bytes before the end', () => {
  fc.assert(
    fc.property(input, (data) => {
      const block = lz4CompressBlock(data);
      let ip = 0;
      let op = 0;
      for (;;) {
        const token = block[ip++]!;
        let literals = token >>> 4;
        if (literals === 15) for (let b = 255; b === 255; literals += b) b = block[ip++]!;
        ip += literals;
        op += literals;
        if (ip === block.length) break;
        ip += 2;
        let match = token & 15;
        if (match === 15) for (let b = 255; b === 255; match += b) b = block[ip++]!;
        assert.ok(op <= data.length - 12, `match starts at ${op} of ${data.length}`);
        op += match + 4;
        assert.ok(op <= data.length - 5, `match ends at ${op} of ${data.length}`);
      }
      assert.equal(op, data.length);
    }),
    { numRuns: 500 },
  );
});

test('every codec round-trips arbitrary and repetitive data', () => {
  fc.assert(
    fc.property(fc.constantFrom(...CODECS), input, (type, data) => {
      assert.deepEqual(Buffer.from(decompress(type, compress(type, data), data.length)), Buffer.from(data));
    }),
    { numRuns: 300 },
  );
});

test('decompress of random bytes throws only ProtocolError', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CODECS),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(5000),
      (type, data, size) => {
        onlyProtocolErrors(() => decompress(type, data, size));
      },
    ),
    { numRuns: 1000 },
  );
});

test('decompress of corrupted or truncated payloads throws only ProtocolError or keeps the size', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CODECS),
      input,
      fc.nat(),
      fc.nat(255),
      fc.boolean(),
      (type, data, at, xor, cut) => {
        const packed = Buffer.from(compress(type, data));
        if (packed.length === 0) return;
        const i = at % packed.length;
        const bad = cut ? packed.subarray(0, i) : Buffer.from(packed);
        if (!cut) bad[i]! ^= xor;
        onlyProtocolErrors(() => assert.equal(decompress(type, bad, data.length).length, data.length));
      },
    ),
    { numRuns: 1000 },
  );
});

test('decodeFrame of random, truncated or corrupted frames throws only ProtocolError', () => {
  const metadata = create(MessageMetadataSchema, { producerName: 'p', sequenceId: 1n, publishTime: 2n });
  const frame = encodePayloadCommand(sendCommand(1n, 1n, 1), metadata, Buffer.from('payload')).subarray(4);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (data) => onlyProtocolErrors(() => decodeFrame(data))),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.nat(frame.length), fc.nat(255), fc.boolean(), (at, xor, cut) => {
      const bad = cut ? frame.subarray(0, at) : Buffer.from(frame);
      if (!cut && at < bad.length) bad[at]! ^= xor;
      onlyProtocolErrors(() => decodeFrame(bad));
    }),
    { numRuns: 1000 },
  );
});

test('decodeBatch of random, truncated or corrupted batches throws only ProtocolError', () => {
  const batch = encodeBatch([
    { metadata: { partitionKey: 'k' }, payload: Buffer.from('one') },
    { metadata: {}, payload: Buffer.from('two') },
  ]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(1000), (data, count) =>
      onlyProtocolErrors(() => decodeBatch(data, count)),
    ),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.nat(batch.length), fc.nat(255), fc.boolean(), (at, xor, cut) => {
      const bad = cut ? batch.subarray(0, at) : Buffer.from(batch);
      if (!cut && at < bad.length) bad[at]! ^= xor;
      onlyProtocolErrors(() => decodeBatch(bad, 2));
    }),
    { numRuns: 1000 },
  );
});
