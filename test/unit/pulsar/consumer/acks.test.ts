// Batches split into messages with their own ids; the entry is acked whole once all its messages are, and
// before that by partial acks whose ack_set names the members still out (batch-index acks, unless switched
// off); ack_set and compacted_out members are skipped; cumulative acks follow Go's rules without batch-index
// acks and Java's with them; all codecs before the split.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import { InvalidArgumentError } from '../../../../src/pulsar/errors.ts';
import { PulsarMessageId, parseMessageId } from '../../../../src/pulsar/message-id.ts';
import type { ConsumerOptions, Message } from '../../../../src/pulsar/types.ts';
import { allCodecs, batch, FakeContext, single } from './fake-broker.ts';

const base: ConsumerOptions = { topic: 'in', subscription: 'sub', receiverQueueSize: 100 };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function take(consumer: { receive(): Promise<Message> }, n: number): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(await consumer.receive());
  return out;
}

test('batch members get their own ids; the entry is acked whole only after every member', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(
    0n,
    { ledger: 5n, entry: 3n },
    batch([
      { payload: 'a', partitionKey: 'k1', properties: [{ key: 'p', value: '1' }], eventTime: 42n },
      { payload: 'b', sequenceId: 100n },
      { payload: 'c' },
    ]),
  );
  const [a, b, c] = await take(consumer, 3);
  assert.deepEqual(
    [a, b, c].map((m) => [m!.messageId.toString(), m!.messageId.batchSize]),
    [
      ['5:3:-1:0', 3],
      ['5:3:-1:1', 3],
      ['5:3:-1:2', 3],
    ],
  );
  assert.equal(a!.key, 'k1');
  assert.deepEqual(a!.properties, { p: '1' });
  assert.equal(a!.eventTime, 42);
  assert.equal(b!.key, undefined);
  assert.equal(b!.eventTime, undefined);
  // Member sequence ids: their own, else the entry's plus the index.
  assert.deepEqual([a!.sequenceId, b!.sequenceId, c!.sequenceId], [7n, 100n, 9n]);
  assert.equal(a!.topic, 'persistent://public/default/in');
  await consumer.acknowledge(a!);
  await consumer.acknowledge(c!);
  await tick();
  // Partial acks only: each ack_set names the members still outstanding.
  assert.deepEqual(ctx.connection.ackedIds(), []);
  assert.deepEqual(ctx.connection.partialAcks(), ['5:3{1,2}', '5:3{1}']);
  await consumer.acknowledge(b!.messageId);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['5:3']);
  assert.equal(ctx.connection.acks().length, 3, 'the last member: one plain ack of the entry');
  await consumer.close();
});

test('acks made in one turn go out as one ACK command', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  for (let i = 0; i < 3; i++) ctx.connection.push(0n, { entry: BigInt(i) }, single(`m${i}`));
  const messages = await take(consumer, 3);
  await Promise.all(messages.map((m) => consumer.acknowledge(m)));
  await tick();
  assert.deepEqual(ctx.connection.acks(), [
    { type: 0, ids: ['1:0', '1:1', '1:2'], validationError: undefined },
  ]);
  await consumer.close();
});

test('members cleared in ack_set and compacted-out members are skipped, and count right for permits', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, receiverQueueSize: 4 });
  // ack_set bit i set = member i still unacknowledged; member 1 was acked before, member 2 compacted out.
  ctx.connection.push(
    0n,
    { entry: 1n, ackSet: [0b1101n] },
    batch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c', compactedOut: true }, { payload: 'd' }]),
  );
  const got = await take(consumer, 2);
  assert.deepEqual(
    got.map((m) => m.payload.toString()),
    ['a', 'd'],
  );
  // Permits: the compacted-out member (charged by the broker) + the first taken reach half of 4 → FLOW(2);
  // the member cleared in ack_set was not charged, so it is not given back.
  assert.deepEqual(ctx.connection.flows(), [4, 2]);
  await consumer.acknowledge(got[0]!);
  await consumer.acknowledge(got[1]!);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:1']);
  await consumer.close();
});

test('a redelivered batch skips the members already acknowledged', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Shared' });
  const entry = () => batch([{ payload: 'a' }, { payload: 'b' }]);
  ctx.connection.push(0n, { entry: 1n }, entry());
  const [a] = await take(consumer, 2);
  await consumer.acknowledge(a!);
  ctx.connection.push(0n, { entry: 1n, redeliveryCount: 1 }, entry());
  const again = await consumer.receive();
  assert.equal(again.payload.toString(), 'b');
  assert.equal(again.redeliveryCount, 1);
  await consumer.close();
});

test('every codec is decoded before the batch is split, and a single message too', async () => {
  for (const codec of allCodecs) {
    const ctx = new FakeContext();
    const consumer = await subscribe(ctx, base);
    const big = Buffer.alloc(100_000, 'x');
    const binary = Buffer.from([0, 255, 1, 254, 0, 0, 10, 13]);
    ctx.connection.push(
      0n,
      { entry: 1n },
      batch([{ payload: big }, { payload: binary }, { payload: '' }], { codec }),
    );
    ctx.connection.push(0n, { entry: 2n }, single(big, { partitionKey: 'k' }, { codec }));
    const [m1, m2, m3, m4] = await take(consumer, 4);
    assert.ok(m1!.payload.equals(big), codec);
    assert.ok(m2!.payload.equals(binary), codec);
    assert.equal(m3!.payload.length, 0, codec);
    assert.ok(m4!.payload.equals(big), codec);
    assert.equal(m4!.key, 'k');
    assert.equal(m4!.messageId.batchIndex, -1);
    await consumer.close();
  }
});

test('cumulative ack: refused on Shared and KeyShared; inside a batch, without batch-index acks, it covers the previous entry', async () => {
  for (const subscriptionType of ['Shared', 'KeyShared'] as const) {
    const ctx = new FakeContext();
    const consumer = await subscribe(ctx, { ...base, subscriptionType });
    ctx.connection.push(0n, { entry: 1n }, single('x'));
    const m = await consumer.receive();
    await assert.rejects(consumer.acknowledgeCumulative(m), InvalidArgumentError);
    await consumer.close();
  }
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, {
    ...base,
    subscriptionType: 'Failover',
    batchIndexAckEnabled: false,
  });
  ctx.connection.push(0n, { entry: 4n }, single('x'));
  ctx.connection.push(0n, { entry: 5n }, batch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }]));
  const [, a, b, c] = await take(consumer, 4);
  await consumer.acknowledgeCumulative(a!);
  await tick();
  assert.deepEqual(ctx.connection.acks(), [{ type: 1, ids: ['1:4'], validationError: undefined }]);
  await consumer.acknowledgeCumulative(b!);
  await tick();
  assert.equal(ctx.connection.acks().length, 1, 'nothing new to send until the batch is complete');
  await consumer.acknowledgeCumulative(c!);
  await tick();
  assert.deepEqual(ctx.connection.acks()[1], { type: 1, ids: ['1:5'], validationError: undefined });
  await consumer.close();
});

test('ids routed by partition: a plain MessageId works on a single topic', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(0n, { entry: 9n }, single('x'));
  await consumer.receive();
  await consumer.acknowledge(new PulsarMessageId(1n, 9n));
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:9']);
  await consumer.close();
  await assert.rejects(consumer.acknowledge(new PulsarMessageId(1n, 9n)), /consumer is closed/);
});

// ---- a batch member in the application's hands across prefetch drops (reconnects, nack rewinds) -------

const batchOf3 = () => batch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }]);

/** The broker connection is lost; the consumer resubscribes on a new one after the first backoff. */
async function loseBroker(ctx: FakeContext): Promise<void> {
  const old = ctx.connection;
  ctx.reconnect();
  old.close();
  await ctx.clock.advanceAsync(100);
}

test('a batch member held across two reconnects acks only itself, never its whole entry', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, receiverQueueSize: 10 });
  ctx.connection.push(0n, { entry: 5n }, batchOf3());
  const held = await consumer.receive();
  assert.equal(held.messageId.batchIndex, 0);
  await loseBroker(ctx);
  assert.equal(consumer.isConnected, true);
  // Redelivered whole (nothing was acked); the application takes none of it before the next loss, so all
  // three members are in the prefetch queue when it is dropped.
  ctx.connection.push(0n, { entry: 5n, redeliveryCount: 1 }, batchOf3());
  const old = ctx.connection;
  ctx.reconnect();
  old.close();
  await consumer.acknowledge(held);
  await ctx.clock.advanceAsync(100);
  assert.equal(consumer.isConnected, true);
  assert.deepEqual(ctx.connection.ackedIds(), [], 'the entry is not acked while b and c are unprocessed');
  assert.deepEqual(ctx.connection.partialAcks(), ['1:5{1,2}'], 'only a is, sent after the resubscribe');
  // The next redelivery skips the member already acked; b and c complete the entry.
  ctx.connection.push(0n, { entry: 5n, redeliveryCount: 2 }, batchOf3());
  const rest = await take(consumer, 2);
  assert.deepEqual(
    rest.map((m) => m.payload.toString()),
    ['b', 'c'],
  );
  await consumer.acknowledge(rest[0]!);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), []);
  assert.deepEqual(ctx.connection.partialAcks(), ['1:5{1,2}', '1:5{2}']);
  await consumer.acknowledge(rest[1]!);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:5']);
  await consumer.close();
});

test('Exclusive: nack-driven rewinds keep the batch of a member the application holds', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, {
    ...base,
    receiverQueueSize: 10,
    negativeAckRedeliveryDelayMs: 100,
  });
  ctx.connection.push(0n, { entry: 4n }, single('x'));
  ctx.connection.push(0n, { entry: 5n }, batchOf3());
  const x = await consumer.receive();
  const held = await consumer.receive();
  assert.equal(held.payload.toString(), 'a');
  // Each nack makes the broker rewind: the queue (b, c) is dropped and everything comes again.
  consumer.negativeAcknowledge(x);
  await ctx.clock.advanceAsync(100);
  ctx.connection.push(0n, { entry: 4n, epoch: 1n, redeliveryCount: 1 }, single('x'));
  ctx.connection.push(0n, { entry: 5n, epoch: 1n, redeliveryCount: 1 }, batchOf3());
  consumer.negativeAcknowledge(await consumer.receive());
  // This time a, b and c — every member — are in the queue when it is dropped.
  await ctx.clock.advanceAsync(100);
  assert.equal(ctx.connection.redelivers().length, 2);
  await consumer.acknowledge(held);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), []);
  assert.deepEqual(ctx.connection.partialAcks(), ['1:5{1,2}']);
  ctx.connection.push(0n, { entry: 4n, epoch: 2n, redeliveryCount: 2 }, single('x'));
  ctx.connection.push(0n, { entry: 5n, epoch: 2n, redeliveryCount: 2 }, batchOf3());
  const [x3, b, c] = await take(consumer, 3);
  assert.deepEqual(
    [x3, b, c].map((m) => m!.payload.toString()),
    ['x', 'b', 'c'],
  );
  await consumer.acknowledge(b!);
  await consumer.acknowledge(c!);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:5']);
  await consumer.close();
});

test('a cumulative ack of a held member after two reconnects covers only the member and those before it', async () => {
  for (const batchIndexAckEnabled of [true, false]) {
    const ctx = new FakeContext();
    const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Failover', batchIndexAckEnabled });
    ctx.connection.push(0n, { entry: 5n }, batchOf3());
    const held = await consumer.receive();
    await loseBroker(ctx);
    ctx.connection.push(0n, { entry: 5n, redeliveryCount: 1 }, batchOf3());
    const old = ctx.connection;
    ctx.reconnect();
    old.close();
    await consumer.acknowledgeCumulative(held);
    await ctx.clock.advanceAsync(100);
    // With batch-index acks the entry itself with b and c outstanding; without, only the entry before it.
    const expected = batchIndexAckEnabled ? '1:5{1,2}' : '1:4';
    assert.deepEqual(ctx.connection.acks(), [{ type: 1, ids: [expected], validationError: undefined }]);
    await consumer.close();
  }
});

test('a batch member id parsed from text (no batchSize) is refused by acknowledge and acknowledgeCumulative', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Failover' });
  ctx.connection.push(0n, { entry: 5n }, batchOf3());
  const [a] = await take(consumer, 3);
  const parsed = parseMessageId(a!.messageId.toString());
  for (const ack of [() => consumer.acknowledge(parsed), () => consumer.acknowledgeCumulative(parsed)]) {
    await assert.rejects(ack(), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(error.field, 'messageId');
      assert.match(error.message, /without its batchSize/);
      return true;
    });
  }
  // The same id with its batchSize is fine; so is the parsed id of a non-batch entry.
  await consumer.acknowledge(new PulsarMessageId(1n, 5n, -1, 0, 3));
  ctx.connection.push(0n, { entry: 6n }, single('x'));
  await consumer.receive();
  await consumer.acknowledge(parseMessageId('1:6:-1:-1'));
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:6']);
  await consumer.close();
});
