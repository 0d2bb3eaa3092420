// FrameReader: cutting, buffering across chunks (down to 1-byte chunks), size limits; random chunkings of a
// random stream always give back the same frames.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameReader } from '../../../../src/pulsar/connection/frame-reader.ts';
import { ProtocolError } from '../../../../src/pulsar/errors.ts';

function framed(body: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

const hex = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('hex'));

describe('FrameReader', () => {
  test('returns whole frames of one chunk as views into it', () => {
    const chunk = Buffer.concat([framed(Buffer.from('aaaa')), framed(Buffer.from('bbbbbb'))]);
    const frames = new FrameReader(100).push(chunk);
    assert.deepEqual(hex(frames), ['61616161', '626262626262']);
    assert.ok(frames.every((f) => f.buffer === chunk.buffer));
  });

  test('assembles frames fed one byte at a time', () => {
    const stream = Buffer.concat([framed(Buffer.from('frame-1')), framed(Buffer.from('2222'))]);
    const reader = new FrameReader(100);
    const frames: Uint8Array[] = [];
    for (const byte of stream) frames.push(...reader.push(Uint8Array.of(byte)));
    assert.deepEqual(
      frames.map((f) => Buffer.from(f).toString()),
      ['frame-1', '2222'],
    );
    assert.equal(reader.bufferedBytes, 0);
  });

  test('keeps a partial frame across chunks and reports what it holds', () => {
    const reader = new FrameReader(100);
    const frame = framed(Buffer.from('abcdefgh'));
    assert.deepEqual(reader.push(frame.subarray(0, 2)), []);
    assert.equal(reader.bufferedBytes, 2);
    assert.deepEqual(reader.push(frame.subarray(2, 7)), []);
    assert.equal(reader.bufferedBytes, 7);
    assert.deepEqual(hex(reader.push(frame.subarray(7))), [Buffer.from('abcdefgh').toString('hex')]);
    assert.equal(reader.bufferedBytes, 0);
  });

  test('rejects sizes below 4 and above the bound, which setMaxFrameSize moves', () => {
    assert.throws(() => new FrameReader(100).push(Buffer.from('00000003', 'hex')), ProtocolError);
    assert.throws(() => new FrameReader(100).push(Buffer.from('00000065', 'hex')), /exceeds the maximum 100/);
    const reader = new FrameReader(100);
    reader.setMaxFrameSize(200);
    assert.deepEqual(reader.push(Buffer.from('00000065', 'hex')), []);
    const split = new FrameReader(10);
    split.push(Buffer.from('0000', 'hex'));
    assert.throws(() => split.push(Buffer.from('ffff', 'hex')), ProtocolError);
  });

  test('any chunking of any stream of frames yields the frames, in order', () => {
    const bodies = fc.array(fc.uint8Array({ minLength: 4, maxLength: 300 }), { maxLength: 20 });
    fc.assert(
      fc.property(bodies, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map(framed));
        const reader = new FrameReader(300);
        const got: Uint8Array[] = [];
        for (let at = 0, i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length]!;
          got.push(...reader.push(stream.subarray(at, at + size)));
          at += size;
        }
        assert.deepEqual(hex(got), hex(frames));
        assert.equal(reader.bufferedBytes, 0);
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes in random chunks throw only ProtocolError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (chunks) => {
        const reader = new FrameReader(1000);
        try {
          for (const chunk of chunks) reader.push(chunk);
        } catch (error) {
          assert.ok(error instanceof ProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
