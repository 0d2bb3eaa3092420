// Batch-index acknowledgement (PIP-54): the ack_set encoding, partial entry acks grouped per turn, the plain
// entry ack once a batch is complete, the broker's ack_set on redelivery (skipped members, permits), and the
// option switched off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ackSetOf, clearedInAckSet, outstandingInAckSet } from '../../../../src/pulsar/consumer/ack-set.ts';
import { type AckBatch, BatchAckTracker, PendingAcks } from '../../../../src/pulsar/consumer/ack-tracker.ts';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import { PulsarMessageId } from '../../../../src/pulsar/message-id.ts';
import type { ConsumerOptions, Message } from '../../../../src/pulsar/types.ts';
import { batch, FakeContext } from './fake-broker.ts';

const shared: ConsumerOptions = {
  topic: 'in',
  subscription: 'sub',
  subscriptionType: 'Shared',
  receiverQueueSize: 100,
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const members = (n: number) => batch(Array.from({ length: n }, (_, i) => ({ payload: `m${i}` })));

async function take(consumer: { receive(): Promise<Message> }, n: number): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(await consumer.receive());
  return out;
}

test('ackSetOf: bit i set while member i is outstanding, signed 64-bit words, trailing zero words dropped', () => {
  const outstanding = (size: number, out: number[]) => {
    const marks = new Uint8Array(size);
    for (const i of out) marks[i] = 1;
    return marks;
  };
  assert.deepEqual(ackSetOf(outstanding(3, [1, 2])), [0b110n]);
  assert.deepEqual(ackSetOf(outstanding(3, [])), [], 'nothing outstanding: no ack_set, a whole-entry ack');
  // Bit 63 makes the int64 word negative, as Java's BitSet.toLongArray gives it.
  assert.deepEqual(ackSetOf(outstanding(64, [63])), [-(2n ** 63n)]);
  assert.deepEqual(ackSetOf(outstanding(130, [0, 129])), [1n, 0n, 2n]);
  assert.deepEqual(ackSetOf(outstanding(130, [5])), [32n], 'zero words after the last set bit are dropped');
  // What we send reads back the same way as what the broker sends.
  const out = [0, 7, 63, 64, 100, 127];
  const ackSet = ackSetOf(outstanding(128, out));
  assert.equal(outstandingInAckSet(ackSet, 128), out.length);
  for (let i = 0; i < 128; i++) assert.equal(clearedInAckSet(ackSet, i), !out.includes(i), `member ${i}`);
});

test('acks of some members go out as one partial ACK per entry per turn; the last member as a plain ack', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, shared);
  ctx.connection.push(0n, { entry: 5n }, members(4));
  ctx.connection.push(0n, { entry: 6n }, members(2));
  const got = await take(consumer, 6);
  await Promise.all([got[0]!, got[2]!, got[4]!].map((m) => consumer.acknowledge(m)));
  await tick();
  assert.deepEqual(ctx.connection.acks(), [
    { type: 0, ids: ['1:5{1,3}', '1:6{1}'], validationError: undefined },
  ]);
  // The next turn: entry 6 completes (plain ack), entry 5 still partial with everything acked so far.
  await Promise.all([got[1]!, got[5]!].map((m) => consumer.acknowledge(m)));
  await tick();
  assert.deepEqual(ctx.connection.acks()[1], { type: 0, ids: ['1:5{3}', '1:6'], validationError: undefined });
  // Acking a member twice sends nothing new.
  await consumer.acknowledge(got[1]!);
  await tick();
  assert.equal(ctx.connection.acks().length, 2);
  await consumer.acknowledge(got[3]!);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:6', '1:5']);
  await consumer.close();
});

test('a whole batch acked in one turn is one plain ack, no ack_set', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, shared);
  ctx.connection.push(0n, { entry: 5n }, members(3));
  const got = await take(consumer, 3);
  await Promise.all(got.map((m) => consumer.acknowledge(m)));
  await tick();
  assert.deepEqual(ctx.connection.acks(), [{ type: 0, ids: ['1:5'], validationError: undefined }]);
  await consumer.close();
});

test('batchIndexAckEnabled: false holds member acks back until the entry is complete', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...shared, batchIndexAckEnabled: false });
  ctx.connection.push(0n, { entry: 5n }, members(3));
  const got = await take(consumer, 3);
  await consumer.acknowledge(got[0]!);
  await consumer.acknowledge(got[1]!);
  await tick();
  assert.deepEqual(ctx.connection.acks(), []);
  await consumer.acknowledge(got[2]!);
  await tick();
  assert.deepEqual(ctx.connection.acks(), [{ type: 0, ids: ['1:5'], validationError: undefined }]);
  await consumer.close();
});

test('batchIndexAckEnabled must be a boolean', async () => {
  const ctx = new FakeContext();
  await assert.rejects(
    subscribe(ctx, { ...shared, batchIndexAckEnabled: 'yes' as unknown as boolean }),
    /batchIndexAckEnabled.*expected a boolean, got `yes`/,
  );
});

test('a batch redelivered with the broker ack_set: only outstanding members, permits for them only', async () => {
  // A fresh consumer (say after a restart): nothing known of the batch but what the broker says.
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...shared, receiverQueueSize: 4 });
  // Members 1 and 3 of 5 are still outstanding; the broker charged 2 permits for the entry.
  ctx.connection.push(0n, { entry: 8n, redeliveryCount: 1, ackSet: [0b01010n] }, members(5));
  const got = await take(consumer, 2);
  assert.deepEqual(
    got.map((m) => [m.payload.toString(), m.messageId.batchIndex, m.redeliveryCount]),
    [
      ['m1', 1, 1],
      ['m3', 3, 1],
    ],
  );
  // Two taken = half the queue: one FLOW(2); the three members the broker had cleared are not given back.
  assert.deepEqual(ctx.connection.flows(), [4, 2]);
  // Our partial ack keeps the broker's cleared members cleared.
  await consumer.acknowledge(got[0]!);
  await tick();
  assert.deepEqual(ctx.connection.partialAcks(), ['1:8{3}']);
  await consumer.acknowledge(got[1]!);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:8']);
  await consumer.close();
});

test('a nacked member of a partially acked batch comes back alone', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, {
    ...shared,
    receiverQueueSize: 10,
    negativeAckRedeliveryDelayMs: 100,
  });
  ctx.connection.push(0n, { entry: 2n }, members(3));
  const [m0, m1, m2] = await take(consumer, 3);
  await consumer.acknowledge(m0!);
  await consumer.acknowledge(m2!);
  consumer.negativeAcknowledge(m1!);
  await tick();
  assert.deepEqual(ctx.connection.partialAcks(), ['1:2{1,2}', '1:2{1}']);
  await ctx.clock.advanceAsync(100);
  assert.deepEqual(ctx.connection.redelivers(), [{ ids: ['1:2'], epoch: 0n }]);
  // The broker sends the entry again with only member 1 outstanding.
  ctx.connection.push(0n, { entry: 2n, redeliveryCount: 1, ackSet: [0b010n] }, members(3));
  const again = await consumer.receive();
  assert.deepEqual([again.payload.toString(), again.redeliveryCount], ['m1', 1]);
  await consumer.acknowledge(again);
  await tick();
  assert.deepEqual(ctx.connection.ackedIds(), ['1:2']);
  await consumer.close();
});

test('cumulative with batch-index acks: the entry itself with the rest outstanding, then the plain entry', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...shared, subscriptionType: 'Failover' });
  ctx.connection.push(0n, { entry: 0n }, members(3));
  ctx.connection.push(0n, { entry: 1n }, members(3));
  const got = await take(consumer, 6);
  await consumer.acknowledgeCumulative(got[0]!);
  await tick();
  // Entry 0 has no entry before it: the partial cumulative ack is what covers member 0.
  assert.deepEqual(ctx.connection.acks(), [{ type: 1, ids: ['1:0{1,2}'], validationError: undefined }]);
  await consumer.acknowledgeCumulative(got[4]!);
  await tick();
  assert.deepEqual(ctx.connection.acks()[1], { type: 1, ids: ['1:1{2}'], validationError: undefined });
  await consumer.acknowledgeCumulative(got[5]!);
  await tick();
  assert.deepEqual(ctx.connection.acks()[2], { type: 1, ids: ['1:1'], validationError: undefined });
  await consumer.close();
});

test('PendingAcks: a whole-entry ack replaces a partial one of the same entry, never the reverse', () => {
  const sent: AckBatch[] = [];
  const pending = new PendingAcks((b) => {
    sent.push(b);
    return true;
  });
  const tracker = new BatchAckTracker(true);
  const state = tracker.register(1n, 5n, 2, () => false);
  const entry = new PulsarMessageId(1n, 5n);
  pending.addIndividual({ entry, partial: state });
  pending.addIndividual({ entry });
  pending.addIndividual({ entry, partial: state });
  pending.addCumulative({ entry, partial: state });
  pending.addCumulative({ entry });
  pending.addCumulative({ entry, partial: state });
  pending.flushNow();
  assert.equal(sent.length, 1);
  assert.deepEqual(
    sent[0]!.individual.map((a) => [String(a.entry), a.partial]),
    [['1:5:-1:-1', undefined]],
  );
  assert.equal(sent[0]!.cumulative?.partial, undefined);
});
