// What goes inside the frames: the batch payload format with each message's SingleMessageMetadata, and
// compression of the whole single or batch payload with uncompressed_size, decoded with the protocol codec.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createProducer } from '../../../../src/pulsar/producer/index.ts';
import { decodeBatch, decompress, ProtoCompressionType } from '../../../../src/pulsar/protocol/index.ts';
import {
  CompressionType as Codec,
  type CompressionType,
  type ProducerOptions,
} from '../../../../src/pulsar/types.ts';
import { FakeContext } from './fake-connection.ts';

const TOPIC = 'persistent://public/default/payload';

async function setup(options: Partial<ProducerOptions>) {
  const context = new FakeContext();
  const producer = await createProducer(context, { topic: TOPIC, sendTimeoutMs: 0, ...options });
  return { context, producer, connection: context.connection(TOPIC) };
}

const protoCodec: Record<CompressionType, ProtoCompressionType> = {
  NONE: ProtoCompressionType.NONE,
  LZ4: ProtoCompressionType.LZ4,
  ZLIB: ProtoCompressionType.ZLIB,
  ZSTD: ProtoCompressionType.ZSTD,
  SNAPPY: ProtoCompressionType.SNAPPY,
};

// Compressible and incompressible parts, so every codec really works on it.
const sample = Buffer.concat([
  Buffer.alloc(3000, 'abc'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
]);

describe('batch payload', () => {
  test('carries each message with its own key, ordering key, properties, event time and sequence id', async () => {
    const { producer, connection } = await setup({ batchingMaxMessages: 3 });
    void producer.send({ payload: Buffer.from('one'), key: 'k1', properties: { p: '1' }, eventTime: 5 });
    void producer.send({ payload: new Uint8Array(0), orderingKey: Uint8Array.of(9, 8) });
    void producer.send({ payload: sample, key: 'k3', sequenceId: 77n });
    const frame = connection.sent[0]!;
    assert.equal(frame.metadata.numMessagesInBatch, 3);
    assert.equal(frame.metadata.uncompressedSize, frame.payload.length);
    // Mixed keys: the batch itself carries none.
    assert.equal(frame.metadata.partitionKey, '');
    const entries = decodeBatch(frame.payload, 3);
    assert.deepEqual(
      entries.map((e) => [
        e.metadata.partitionKey,
        [...e.metadata.orderingKey],
        e.metadata.properties.map((p) => `${p.key}=${p.value}`),
        e.metadata.eventTime,
        e.metadata.sequenceId,
        e.metadata.payloadSize,
      ]),
      [
        ['k1', [], ['p=1'], 5n, 0n, 3],
        ['', [9, 8], [], 0n, 1n, 0],
        ['k3', [], [], 0n, 77n, sample.length],
      ],
    );
    assert.deepEqual(Buffer.from(entries[2]!.payload), sample);
    assert.equal(frame.sequenceId, 0n);
    assert.equal(frame.highestSequenceId, 77n);
  });

  test('a batch whose messages share one key carries that key', async () => {
    const { producer, connection } = await setup({ batchingMaxMessages: 2 });
    void producer.send({ payload: Buffer.from('a'), key: 'same', orderingKey: Uint8Array.of(1) });
    void producer.send({ payload: Buffer.from('b'), key: 'same', orderingKey: Uint8Array.of(1) });
    assert.equal(connection.sent[0]!.metadata.partitionKey, 'same');
    assert.deepEqual([...connection.sent[0]!.metadata.orderingKey], [1]);
  });
});

describe('compression', () => {
  for (const codec of Object.values(Codec)) {
    test(`${codec}: a single message is compressed whole, with its uncompressed size`, async () => {
      const { producer, connection } = await setup({ batchingEnabled: false, compressionType: codec });
      void producer.send({ payload: sample });
      const { metadata, payload } = connection.sent[0]!;
      assert.equal(metadata.compression, protoCodec[codec]);
      assert.equal(metadata.uncompressedSize, sample.length);
      if (codec !== Codec.None) assert.ok(payload.length < sample.length);
      assert.deepEqual(
        Buffer.from(decompress(metadata.compression, payload, metadata.uncompressedSize)),
        sample,
      );
    });

    test(`${codec}: a batch is compressed whole, with its uncompressed size`, async () => {
      const { producer, connection } = await setup({ batchingMaxMessages: 2, compressionType: codec });
      void producer.send({ payload: sample });
      void producer.send({ payload: Buffer.from('tail') });
      const { metadata, payload } = connection.sent[0]!;
      assert.equal(metadata.compression, protoCodec[codec]);
      const raw = decompress(metadata.compression, payload, metadata.uncompressedSize);
      assert.equal(raw.length, metadata.uncompressedSize);
      const entries = decodeBatch(raw, 2);
      assert.deepEqual(Buffer.from(entries[0]!.payload), sample);
      assert.equal(Buffer.from(entries[1]!.payload).toString(), 'tail');
    });
  }

  test('a payload that does not shrink (empty, random) goes uncompressed, with no compression field', async () => {
    const { producer, connection } = await setup({ batchingEnabled: false, compressionType: Codec.ZLIB });
    const random = randomBytes(4096);
    void producer.send({ payload: new Uint8Array(0) });
    void producer.send({ payload: random });
    for (const [index, payload] of [new Uint8Array(0), random].entries()) {
      const frame = connection.sent[index]!;
      assert.equal(frame.metadata.compression, ProtoCompressionType.NONE);
      assert.equal(frame.metadata.uncompressedSize, payload.length);
      assert.deepEqual(Buffer.from(frame.payload), Buffer.from(payload));
    }
  });
});
