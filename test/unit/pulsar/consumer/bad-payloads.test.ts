// What is never delivered as data: payloads failing their checksum, undecodable ones, and encrypted messages
// (refused, and never acknowledged).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncryptedMessageError, subscribe } from '../../../../src/pulsar/consumer/index.ts';
import { MessageRefusedError } from '../../../../src/pulsar/errors.ts';
import { CommandAck_ValidationError, ProtoCompressionType } from '../../../../src/pulsar/protocol/index.ts';
import type { ConsumerOptions } from '../../../../src/pulsar/types.ts';
import { batch, FakeContext, single } from './fake-broker.ts';

const base: ConsumerOptions = {
  topic: 'in',
  subscription: 'sub',
  receiverQueueSize: 10,
  subscriptionType: 'Shared',
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a checksum mismatch is never delivered: asked again twice, then acked with ChecksumMismatch', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const corrupt = () => single('garbage', {}, { checksumValid: false });
  ctx.connection.push(0n, { entry: 1n }, corrupt());
  assert.deepEqual(
    ctx.connection.redelivers().map((r) => r.ids),
    [['1:1']],
  );
  ctx.connection.push(0n, { entry: 1n }, corrupt());
  ctx.connection.push(0n, { entry: 1n }, corrupt());
  assert.equal(ctx.connection.redelivers().length, 2);
  assert.deepEqual(ctx.connection.acks(), [
    { type: 0, ids: ['1:1'], validationError: CommandAck_ValidationError.ChecksumMismatch },
  ]);
  assert.equal(ctx.errors().length, 3);
  ctx.connection.push(0n, { entry: 2n }, single('good'));
  assert.equal((await consumer.receive()).payload.toString(), 'good');
  await consumer.close();
});

test('undecompressable and malformed entries are dropped with their validation error, never delivered', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const badLz4 = single('not lz4 at all', { compression: ProtoCompressionType.LZ4, uncompressedSize: 500 });
  ctx.connection.push(0n, { entry: 1n }, badLz4);
  const truncated = batch([{ payload: 'a' }, { payload: 'b' }]);
  truncated.metadata.numMessagesInBatch = 3;
  ctx.connection.push(0n, { entry: 2n }, truncated);
  const huge = single('x', { compression: ProtoCompressionType.ZLIB, uncompressedSize: 1 << 30 });
  ctx.connection.push(0n, { entry: 3n }, huge);
  ctx.connection.push(0n, { entry: 4n }, single('good'));
  assert.equal((await consumer.receive()).payload.toString(), 'good');
  assert.deepEqual(
    ctx.connection.acks().map((a) => [a.ids, a.validationError]),
    [
      [['1:1'], CommandAck_ValidationError.DecompressionError],
      [['1:2'], CommandAck_ValidationError.BatchDeSerializeError],
      [['1:3'], CommandAck_ValidationError.UncompressedSizeCorruption],
    ],
  );
  assert.equal(ctx.errors().length, 3);
  // Dropped entries give back what the broker charged at once: 1 + 3 + 1 reaches the refill threshold.
  assert.deepEqual(ctx.connection.flows(), [10, 5]);
  await consumer.close();
});

test('an encrypted message is refused with an error, in order, and never acknowledged', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(0n, { entry: 1n }, single('before'));
  ctx.connection.push(
    0n,
    { entry: 2n },
    single('ciphertext', { encryptionKeys: [{ key: 'my-key', value: new Uint8Array([1]) }] }),
  );
  ctx.connection.push(0n, { entry: 3n }, single('after'));
  assert.equal((await consumer.receive()).payload.toString(), 'before');
  const refusal = await consumer.receive().then(
    () => assert.fail('an encrypted message must not be delivered'),
    (error: unknown) => error,
  );
  assert.ok(refusal instanceof EncryptedMessageError);
  assert.ok(refusal instanceof MessageRefusedError);
  assert.match(refusal.message, /encrypted \(keys: my-key\)/);
  assert.equal(refusal.messageId.toString(), '1:2:-1:-1');
  // The consumer goes on; the iterator throws the same way and a new loop continues after it.
  assert.equal((await consumer.receive()).payload.toString(), 'after');
  await tick();
  assert.deepEqual(ctx.connection.acks(), []);
  assert.ok(ctx.errors().some((l) => l.message.includes('encrypted')));
  // The application may hand it back for another consumer.
  consumer.negativeAcknowledge(refusal.messageId);
  await consumer.close();
});

test('the iterator throws the refusal and leaves the consumer open', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(
    0n,
    { entry: 1n },
    single('c', { encryptionKeys: [{ key: 'k', value: new Uint8Array() }] }),
  );
  ctx.connection.push(0n, { entry: 2n }, single('plain'));
  await assert.rejects(
    (async () => {
      for await (const _ of consumer) assert.fail('nothing before the refusal');
    })(),
    EncryptedMessageError,
  );
  for await (const message of consumer) {
    assert.equal(message.payload.toString(), 'plain');
    break;
  }
  await consumer.close();
});
