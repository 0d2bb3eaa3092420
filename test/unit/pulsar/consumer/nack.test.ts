// Negative acks: redelivery requested after the delay, per entry on Shared; on Exclusive the broker redelivers
// everything, so the prefetch queue is dropped and the epoch raised.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import { BaseCommand_Type } from '../../../../src/pulsar/protocol/index.ts';
import type { ConsumerOptions } from '../../../../src/pulsar/types.ts';
import { batch, FakeContext, single } from './fake-broker.ts';

const base: ConsumerOptions = {
  topic: 'in',
  subscription: 'sub',
  receiverQueueSize: 10,
  negativeAckRedeliveryDelayMs: 1000,
};

test('a nacked message is asked back after the delay, grouped per entry; redelivery count exposed', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Shared' });
  ctx.connection.push(0n, { entry: 1n }, single('x'));
  ctx.connection.push(0n, { entry: 2n }, batch([{ payload: 'a' }, { payload: 'b' }]));
  const x = await consumer.receive();
  const a = await consumer.receive();
  const b = await consumer.receive();
  consumer.negativeAcknowledge(x);
  ctx.clock.advance(500);
  consumer.negativeAcknowledge(a);
  consumer.negativeAcknowledge(b.messageId);
  ctx.clock.advance(499);
  assert.deepEqual(ctx.connection.redelivers(), []);
  ctx.clock.advance(1);
  assert.deepEqual(
    ctx.connection.redelivers().map((r) => r.ids),
    [['1:1']],
  );
  ctx.clock.advance(500);
  assert.deepEqual(
    ctx.connection.redelivers().map((r) => r.ids),
    [['1:1'], ['1:2']],
  );
  ctx.connection.push(0n, { entry: 1n, redeliveryCount: 1 }, single('x'));
  const again = await consumer.receive();
  assert.equal(again.redeliveryCount, 1);
  assert.equal(again.payload.toString(), 'x');
  await consumer.close();
});

test('on Exclusive a nack rewinds everything: queue dropped, permits given back, epoch raised', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  for (let i = 0; i < 4; i++) ctx.connection.push(0n, { entry: BigInt(i) }, single(`m${i}`));
  const first = await consumer.receive();
  consumer.negativeAcknowledge(first);
  ctx.clock.advance(1000);
  assert.deepEqual(ctx.connection.redelivers(), [{ ids: [], epoch: 1n }]);
  // The three queued messages were dropped (they come again) and their permits returned: 1 taken + 3 = 4.
  assert.equal((consumer as unknown as { prefetched: number }).prefetched, 0);
  assert.deepEqual(ctx.connection.flows(), [10]);
  // A message the broker sent before it saw the redelivery request is dropped, its permit counted.
  ctx.connection.push(0n, { entry: 4n, epoch: 0n }, single('stale'));
  assert.deepEqual(ctx.connection.flows(), [10, 5]);
  ctx.connection.push(0n, { entry: 0n, epoch: 1n, redeliveryCount: 1 }, single('m0'));
  const again = await consumer.receive();
  assert.equal(again.payload.toString(), 'm0');
  assert.equal(again.redeliveryCount, 1);
  await consumer.close();
  // Resubscribes carry the epoch so the broker keeps filtering.
  assert.equal(ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE)[0]?.subscribe?.consumerEpoch, 0n);
});

test('closing forgets pending nacks', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Shared' });
  ctx.connection.push(0n, { entry: 1n }, single('x'));
  consumer.negativeAcknowledge(await consumer.receive());
  await consumer.close();
  ctx.clock.advance(5000);
  assert.deepEqual(ctx.connection.redelivers(), []);
  assert.equal(ctx.clock.pendingTimers, 0);
});

test('nack due times run on the monotonic clock: a wall clock stepped back does not delay redelivery', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Shared' });
  ctx.connection.push(0n, { entry: 1n }, single('x'));
  consumer.negativeAcknowledge(await consumer.receive());
  ctx.clock.jumpWallClock(-3_600_000);
  ctx.clock.advance(1000);
  assert.deepEqual(
    ctx.connection.redelivers().map((r) => r.ids),
    [['1:1']],
  );
  await consumer.close();
});
