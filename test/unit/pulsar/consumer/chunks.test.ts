// Chunked messages: reassembled in chunk order then decompressed; duplicates, restarts, gaps and the bound
// on partial messages handled as the Java/Go clients do; the id is the last chunk's, acking it acks all.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ChunkAssembler } from '../../../../src/pulsar/consumer/chunks.ts';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import { PulsarMessageId } from '../../../../src/pulsar/message-id.ts';
import type { ConsumerOptions } from '../../../../src/pulsar/types.ts';
import { silentLogger } from '../../../../src/pulsar/util/index.ts';
import { allCodecs, chunks, FakeContext, single } from './fake-broker.ts';

const base: ConsumerOptions = { topic: 'in', subscription: 'sub', receiverQueueSize: 10 };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('chunks are joined in order, then decompressed, for every codec; acking the message acks every chunk', async () => {
  for (const codec of allCodecs) {
    const ctx = new FakeContext();
    const consumer = await subscribe(ctx, base);
    const payload = Buffer.concat([randomBytes(3000), Buffer.alloc(20_000, 'z')]);
    const parts = chunks('u-1', payload, 4, {
      codec,
      metadata: { partitionKey: 'k', properties: [{ key: 'a', value: 'b' }] },
    });
    for (const [i, part] of parts.entries()) ctx.connection.push(0n, { entry: BigInt(10 + i) }, part);
    const message = await consumer.receive();
    assert.ok(message.payload.equals(payload), codec);
    assert.equal(message.key, 'k');
    assert.deepEqual(message.properties, { a: 'b' });
    assert.equal(message.messageId.toString(), '1:13:-1:-1', 'the id is the last chunk');
    // The 3 non-final chunks gave their permits back at once and the message one when taken: 4, below the
    // refill threshold of 5.
    assert.deepEqual(ctx.connection.flows(), [10]);
    await consumer.acknowledge(message);
    await tick();
    assert.deepEqual(ctx.connection.ackedIds(), ['1:10', '1:11', '1:12', '1:13'], codec);
    await consumer.close();
  }
});

test('a chunk seen twice in the same entry is ignored; a second copy in another entry is acked', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const payload = randomBytes(900);
  const [c0, c1, c2] = chunks('u-2', payload, 3);
  ctx.connection.push(0n, { entry: 1n }, c0!);
  ctx.connection.push(0n, { entry: 2n }, c1!);
  ctx.connection.push(0n, { entry: 2n }, c1!); // same entry again: a redelivery
  ctx.connection.push(0n, { entry: 3n }, c1!); // a copy stored twice (producer resend)
  ctx.connection.push(0n, { entry: 4n }, c2!);
  const message = await consumer.receive();
  assert.ok(message.payload.equals(payload));
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:3']);
  await consumer.acknowledge(message);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:3', '1:1', '1:2', '1:4']);
  await consumer.close();
});

test('chunk 0 again restarts the message; an abandoned copy in other entries is acked', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const payload = randomBytes(900);
  const [c0, c1, c2] = chunks('u-3', payload, 3);
  ctx.connection.push(0n, { entry: 1n }, c0!);
  ctx.connection.push(0n, { entry: 2n }, c1!);
  ctx.connection.push(0n, { entry: 3n }, c0!);
  ctx.connection.push(0n, { entry: 4n }, c1!);
  ctx.connection.push(0n, { entry: 5n }, c2!);
  const message = await consumer.receive();
  assert.ok(message.payload.equals(payload));
  await consumer.acknowledge(message);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:1', '1:2', '1:3', '1:4', '1:5']);
  await consumer.close();
});

test('out-of-order or orphan chunks drop the partial message, ack nothing, and come back after the nack delay', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, {
    ...base,
    subscriptionType: 'Shared',
    negativeAckRedeliveryDelayMs: 50,
  });
  const payload = randomBytes(900);
  const [c0, c1, c2] = chunks('u-4', payload, 3);
  ctx.connection.push(0n, { entry: 1n }, c0!);
  ctx.connection.push(0n, { entry: 2n }, c2!); // chunk 1 lost
  ctx.connection.push(0n, { entry: 3n }, c1!); // orphan now
  ctx.connection.push(0n, { entry: 4n }, single('after'));
  const next = await consumer.receive();
  assert.equal(next.payload.toString(), 'after');
  await tick();
  assert.deepEqual(ctx.connection.acks(), []);
  // Left alone they would stay unacknowledged (a later cumulative ack would take them unseen): asked back.
  ctx.clock.advance(49);
  assert.deepEqual(ctx.connection.redelivers(), []);
  ctx.clock.advance(1);
  assert.deepEqual(
    ctx.connection.redelivers().map((r) => r.ids),
    [['1:1', '1:2', '1:3']],
  );
  ctx.connection.push(0n, { entry: 1n, redeliveryCount: 1 }, c0!);
  ctx.connection.push(0n, { entry: 3n, redeliveryCount: 1 }, c1!);
  ctx.connection.push(0n, { entry: 2n, redeliveryCount: 1 }, c2!);
  assert.ok((await consumer.receive()).payload.equals(payload));
  await consumer.close();
});

test('Exclusive: a dropped partial chunked message makes the broker rewind after the nack delay', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, negativeAckRedeliveryDelayMs: 50 });
  const [c0, , c2] = chunks('u-5', randomBytes(900), 3);
  ctx.connection.push(0n, { entry: 1n }, c0!);
  ctx.connection.push(0n, { entry: 2n }, c2!);
  ctx.clock.advance(50);
  assert.deepEqual(ctx.connection.redelivers(), [{ ids: [], epoch: 1n }]);
  await consumer.close();
});

test('beyond maxPendingChunkedMessages the oldest partial message is dropped without acking', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, maxPendingChunkedMessages: 2 });
  const a = chunks('a', randomBytes(300), 2);
  const b = chunks('b', randomBytes(300), 2);
  const cPayload = randomBytes(300);
  const c = chunks('c', cPayload, 2);
  ctx.connection.push(0n, { entry: 1n }, a[0]!);
  ctx.connection.push(0n, { entry: 2n }, b[0]!);
  ctx.connection.push(0n, { entry: 3n }, c[0]!); // evicts a
  ctx.connection.push(0n, { entry: 4n }, a[1]!); // orphan: dropped, not acked
  ctx.connection.push(0n, { entry: 5n }, c[1]!);
  const message = await consumer.receive();
  assert.ok(message.payload.equals(cPayload));
  await tick();
  assert.deepEqual(ctx.connection.acks(), []);
  assert.ok(ctx.lines.some((l) => l.message.includes('dropping the oldest')));
  // The evicted partial (entry 1) and its orphan (entry 4) come back after the nack delay.
  ctx.clock.advance(60_000);
  assert.deepEqual(ctx.connection.redelivers(), [{ ids: [], epoch: 1n }], 'Exclusive: a rewind');
  await consumer.close();
});

test('nacking a chunked message nacks every chunk', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, {
    ...base,
    subscriptionType: 'Shared',
    negativeAckRedeliveryDelayMs: 10,
  });
  for (const [i, part] of chunks('n', randomBytes(100), 2).entries()) {
    ctx.connection.push(0n, { entry: BigInt(i + 1) }, part);
  }
  consumer.negativeAcknowledge(await consumer.receive());
  ctx.clock.advance(10);
  assert.deepEqual(
    ctx.connection.redelivers().map((r) => r.ids),
    [['1:1', '1:2']],
  );
  await consumer.close();
});

test('ChunkAssembler rejects chunks that do not fit their message', () => {
  const assembler = new ChunkAssembler(10, silentLogger);
  const id = (entry: bigint) => new PulsarMessageId(1n, entry);
  const info = { uuid: 'x', numChunks: 2, totalSize: 4 };
  assert.equal(assembler.add({ ...info, chunkId: 0 }, id(1n), Buffer.from('abc')).result.kind, 'pending');
  const tooBig = assembler.add({ ...info, chunkId: 1 }, id(2n), Buffer.from('de'));
  assert.equal(tooBig.result.kind, 'dropped');
  assert.deepEqual(tooBig.redeliver.map(String), ['1:1:-1:-1', '1:2:-1:-1']);
  assert.deepEqual(tooBig.ack, []);
  assert.equal(assembler.pendingMessages, 0);
  const malformed = assembler.add({ ...info, chunkId: 5 }, id(3n), Buffer.from('a'));
  assert.equal(malformed.result.kind, 'dropped');
  assert.deepEqual(malformed.redeliver.map(String), ['1:3:-1:-1']);
  assert.equal(assembler.add({ ...info, chunkId: 0 }, id(4n), Buffer.from('ab')).result.kind, 'pending');
  const done = assembler.add({ ...info, chunkId: 1 }, id(5n), Buffer.from('cd'));
  assert.equal(done.result.kind, 'complete');
  assert.deepEqual(done.redeliver, []);
  // Announced longer than what arrived: every chunk comes back.
  assembler.add({ ...info, totalSize: 5, chunkId: 0 }, id(6n), Buffer.from('ab'));
  const short = assembler.add({ ...info, totalSize: 5, chunkId: 1 }, id(7n), Buffer.from('cd'));
  assert.equal(short.result.kind, 'dropped');
  assert.deepEqual(short.redeliver.map(String), ['1:6:-1:-1', '1:7:-1:-1']);
  // Evicted to make room: the oldest partial's chunks ride on the outcome of the chunk that evicted it.
  const one = new ChunkAssembler(1, silentLogger);
  one.add({ ...info, uuid: 'a', chunkId: 0 }, id(8n), Buffer.from('ab'));
  const evicting = one.add({ ...info, uuid: 'b', chunkId: 0 }, id(9n), Buffer.from('ab'));
  assert.equal(evicting.result.kind, 'pending');
  assert.deepEqual(evicting.redeliver.map(String), ['1:8:-1:-1']);
  assert.equal(done.result.kind === 'complete' && done.result.payload.toString(), 'abcd');
});
