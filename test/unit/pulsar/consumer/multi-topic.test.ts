// Partitioned topics, several topics and topic patterns: one partition consumer each, merged into one queue,
// ids carrying their partition, acks routed back; new partitions and matching topics found periodically.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subscribe, type TopicsConsumer } from '../../../../src/pulsar/consumer/index.ts';
import { InvalidArgumentError, ServerError, ServerErrorCode } from '../../../../src/pulsar/errors.ts';
import { PulsarMessageId } from '../../../../src/pulsar/message-id.ts';
import {
  BaseCommand_Type,
  CommandActiveConsumerChangeSchema,
  create,
} from '../../../../src/pulsar/protocol/index.ts';
import type { Message } from '../../../../src/pulsar/types.ts';
import { FakeContext, single } from './fake-broker.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const full = (name: string) => `persistent://public/default/${name}`;

function subscribedTopics(ctx: FakeContext): string[] {
  return ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE).map((c) => c.subscribe!.topic);
}

test('a partitioned topic: one subscription per partition, ids carry the partition, acks routed', async () => {
  const ctx = new FakeContext();
  ctx.partitions.set(full('p'), 4);
  const consumer = await subscribe(ctx, { topic: 'p', subscription: 's', subscriptionType: 'Shared' });
  assert.deepEqual(
    subscribedTopics(ctx),
    [0, 1, 2, 3].map((i) => `${full('p')}-partition-${i}`),
  );
  const ids = ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE).map((c) => c.subscribe!.consumerId);
  for (const [i, consumerId] of ids.entries())
    ctx.connection.push(consumerId, { entry: 100n }, single(`from ${i}`));
  const got: Message[] = [];
  for (let i = 0; i < 4; i++) got.push(await consumer.receive());
  assert.deepEqual(
    got.map((m) => [m.messageId.partition, m.topic, m.payload.toString()]),
    [0, 1, 2, 3].map((i) => [i, `${full('p')}-partition-${i}`, `from ${i}`]),
  );
  await consumer.acknowledge(got[2]!);
  await consumer.acknowledge(new PulsarMessageId(1n, 100n, 1));
  await tick();
  assert.deepEqual(
    ctx.connection.acks().map((a) => a.ids),
    [['1:100'], ['1:100']],
  );
  const ackedBy = ctx.connection.ofType(BaseCommand_Type.ACK).map((c) => c.ack!.consumerId);
  assert.deepEqual(ackedBy, [ids[2], ids[1]]);
  await assert.rejects(consumer.acknowledge(new PulsarMessageId(1n, 1n, 9)), InvalidArgumentError);
  await consumer.close();
  assert.equal(ctx.connection.ofType(BaseCommand_Type.CLOSE_CONSUMER).length, 4);
});

test('several topics: plain ids are ambiguous, message ids are not', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { topics: ['a', 'b'], subscription: 's' });
  assert.deepEqual(subscribedTopics(ctx), [full('a'), full('b')]);
  ctx.connection.push(1n, { entry: 5n }, single('from b'));
  const message = await consumer.receive();
  assert.equal(message.topic, full('b'));
  await assert.rejects(consumer.acknowledge(new PulsarMessageId(1n, 5n)), /several topics/);
  await consumer.acknowledge(message);
  await tick();
  assert.equal(ctx.connection.ofType(BaseCommand_Type.ACK)[0]?.ack?.consumerId, 1n);
  await consumer.close();
});

test('if one partition cannot subscribe, the others are closed and subscribe rejects', async () => {
  const ctx = new FakeContext();
  ctx.partitions.set(full('p'), 3);
  ctx.connection.answer = (command) => {
    if (command.subscribe?.topic.endsWith('-1'))
      throw new ServerError(ServerErrorCode.AuthorizationError, 'no');
    return { $typeName: 'pulsar.proto.BaseCommand', type: BaseCommand_Type.SUCCESS } as never;
  };
  await assert.rejects(subscribe(ctx, { topic: 'p', subscription: 's' }), /AuthorizationError/);
  assert.equal(ctx.connection.ofType(BaseCommand_Type.CLOSE_CONSUMER).length, 2);
  assert.equal(ctx.connection.handlers.size, 0);
});

test('topicsPattern: matching topics subscribed, new ones picked up, vanished ones closed', async () => {
  const ctx = new FakeContext();
  ctx.namespaceTopics = [
    full('in-1'),
    full('other'),
    `${full('in-2')}-partition-0`,
    `${full('in-2')}-partition-1`,
  ];
  ctx.partitions.set(full('in-2'), 2);
  const consumer = await subscribe(ctx, { topicsPattern: 'in-.*', subscription: 's' });
  assert.deepEqual(subscribedTopics(ctx).sort(), [
    full('in-1'),
    `${full('in-2')}-partition-0`,
    `${full('in-2')}-partition-1`,
  ]);
  ctx.namespaceTopics = [full('in-2'), full('in-3')];
  await ctx.clock.advanceAsync(60_000);
  assert.ok(subscribedTopics(ctx).includes(full('in-3')));
  const closed = ctx.connection
    .ofType(BaseCommand_Type.CLOSE_CONSUMER)
    .map((c) => c.closeConsumer!.consumerId);
  assert.deepEqual(closed, [0n], 'in-1 (consumer 0) no longer matches');
  await consumer.close();
  assert.equal(ctx.clock.pendingTimers, 0);
});

test('partitions added to a topic are picked up at the next check', async () => {
  const ctx = new FakeContext();
  ctx.partitions.set(full('p'), 1);
  const consumer = await subscribe(ctx, { topic: 'p', subscription: 's' });
  ctx.partitions.set(full('p'), 3);
  await ctx.clock.advanceAsync(60_000);
  assert.deepEqual(
    subscribedTopics(ctx),
    [0, 1, 2].map((i) => `${full('p')}-partition-${i}`),
  );
  ctx.connection.push(2n, { entry: 1n }, single('new partition'));
  const message = await consumer.receive();
  assert.equal(message.messageId.partition, 2);
  await consumer.close();
});

test('ACTIVE_CONSUMER_CHANGE reaches onActiveChange with the partition and its topic', async () => {
  const ctx = new FakeContext();
  ctx.partitions.set(full('p'), 2);
  const changes: [boolean, number, string][] = [];
  const consumer = await subscribe(ctx, {
    topic: 'p',
    subscription: 's',
    subscriptionType: 'Failover',
    onActiveChange: (active, partition, topic) => changes.push([active, partition, topic]),
  });
  ctx.connection
    .handler(1n)
    .onActiveConsumerChange(create(CommandActiveConsumerChangeSchema, { consumerId: 1n, isActive: true }));
  ctx.connection
    .handler(0n)
    .onActiveConsumerChange(create(CommandActiveConsumerChangeSchema, { consumerId: 0n }));
  assert.deepEqual(changes, [
    [true, 1, `${full('p')}-partition-1`],
    [false, 0, `${full('p')}-partition-0`],
  ]);
  await consumer.close();
});

test('a partition that goes to another consumer drops its prefetched messages and gives their permits back', async () => {
  const ctx = new FakeContext();
  ctx.partitions.set(full('p'), 2);
  const consumer = (await subscribe(ctx, {
    topic: 'p',
    subscription: 's',
    subscriptionType: 'Failover',
    receiverQueueSize: 4,
  })) as TopicsConsumer;
  ctx.connection.push(0n, { entry: 1n }, single('p0 first'));
  ctx.connection.push(0n, { entry: 2n }, single('p0 second'));
  ctx.connection.push(1n, { entry: 1n }, single('p1 kept'));
  assert.deepEqual(ctx.connection.flows(0n), [4]);
  ctx.connection
    .handler(0n)
    .onActiveConsumerChange(create(CommandActiveConsumerChangeSchema, { consumerId: 0n, isActive: false }));
  // The new active consumer gets them from the broker's rewind; here they would be processed a second time.
  assert.equal(consumer.prefetched, 1);
  assert.equal((await consumer.receive()).payload.toString(), 'p1 kept');
  assert.deepEqual(ctx.connection.flows(0n), [4, 2], 'the dropped messages are permits again');
  // Active again: the broker rewinds and sends them to this consumer, which delivers them.
  ctx.connection
    .handler(0n)
    .onActiveConsumerChange(create(CommandActiveConsumerChangeSchema, { consumerId: 0n, isActive: true }));
  ctx.connection.push(0n, { entry: 1n }, single('p0 first'));
  assert.equal((await consumer.receive()).payload.toString(), 'p0 first');
  await consumer.close();
});

test('Failover: a topic the pattern no longer matches is reported inactive', async () => {
  const ctx = new FakeContext();
  ctx.namespaceTopics = [full('in-1'), full('in-2')];
  const changes: [boolean, number, string][] = [];
  const consumer = await subscribe(ctx, {
    topicsPattern: 'in-.*',
    subscription: 's',
    subscriptionType: 'Failover',
    onActiveChange: (active, partition, topic) => changes.push([active, partition, topic]),
  });
  ctx.namespaceTopics = [full('in-2')];
  await ctx.clock.advanceAsync(60_000);
  assert.deepEqual(changes, [[false, -1, full('in-1')]]);
  await consumer.close();
  assert.equal(changes.length, 1, 'closing the whole consumer is not a hand-over');
});
