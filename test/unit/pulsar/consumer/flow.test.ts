// FLOW permits: the whole queue at subscribe, refills at half consumed by the application, batches count as
// their messages, and the prefetch queue never grows with the backlog.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TopicsConsumer } from '../../../../src/pulsar/consumer/consumer.ts';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import { resolveConsumerOptions } from '../../../../src/pulsar/consumer/options.ts';
import { BaseCommand_Type, CommandSubscribe_SubType } from '../../../../src/pulsar/protocol/index.ts';
import type { ConsumerOptions } from '../../../../src/pulsar/types.ts';
import { batch, FakeContext, single } from './fake-broker.ts';

const base: ConsumerOptions = { topic: 'in', subscription: 'sub', receiverQueueSize: 10 };

test('SUBSCRIBE goes out after the handler is registered, then FLOW for the whole queue', async () => {
  const ctx = new FakeContext();
  let registeredBeforeSubscribe = false;
  ctx.connection.answer = (command) => {
    registeredBeforeSubscribe = ctx.connection.handlers.has(command.subscribe!.consumerId);
    return { $typeName: 'pulsar.proto.BaseCommand', type: BaseCommand_Type.SUCCESS } as never;
  };
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'KeyShared', consumerName: 'c1' });
  const [sub] = ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE);
  assert.equal(sub?.subscribe?.topic, 'persistent://public/default/in');
  assert.equal(sub?.subscribe?.subscription, 'sub');
  assert.equal(sub?.subscribe?.subType, CommandSubscribe_SubType.Key_Shared);
  assert.equal(sub?.subscribe?.consumerName, 'c1');
  assert.equal(sub?.subscribe?.keySharedMeta?.keySharedMode, 0);
  assert.ok(registeredBeforeSubscribe);
  assert.deepEqual(ctx.connection.flows(), [10]);
  assert.equal(consumer.isConnected, true);
  await consumer.close();
});

test('permits are refilled only once the application has taken half the queue', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  for (let i = 0; i < 10; i++) ctx.connection.push(0n, { entry: BigInt(i) }, single(`m${i}`));
  // Arrival alone grants nothing: the messages sit in the queue.
  assert.deepEqual(ctx.connection.flows(), [10]);
  for (let i = 0; i < 4; i++) await consumer.receive();
  assert.deepEqual(ctx.connection.flows(), [10]);
  await consumer.receive();
  assert.deepEqual(ctx.connection.flows(), [10, 5]);
  for (let i = 0; i < 5; i++) await consumer.receive();
  assert.deepEqual(ctx.connection.flows(), [10, 5, 5]);
  await consumer.close();
});

test('a batch entry counts as its number of messages', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(0n, { entry: 0n }, batch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }]));
  ctx.connection.push(0n, { entry: 1n }, batch([{ payload: 'd' }, { payload: 'e' }]));
  const got: string[] = [];
  for (let i = 0; i < 5; i++) got.push((await consumer.receive()).payload.toString());
  assert.deepEqual(got, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(ctx.connection.flows(), [10, 5]);
  await consumer.close();
});

test('the prefetch queue stays within the receiver queue however large the backlog', async () => {
  const ctx = new FakeContext();
  const consumer = (await subscribe(ctx, { ...base, receiverQueueSize: 8 })) as TopicsConsumer;
  // A broker that pushes from a 1000-message backlog exactly as far as the permits allow.
  let permits = 0;
  let next = 0;
  let peak = 0;
  const pump = () => {
    for (const p of ctx.connection.flows().slice(flowsSeen)) permits += p;
    flowsSeen = ctx.connection.flows().length;
    while (permits > 0 && next < 1000) {
      ctx.connection.push(0n, { entry: BigInt(next) }, single(`m${next}`));
      next++;
      permits--;
    }
  };
  let flowsSeen = 0;
  pump();
  let received = 0;
  while (received < 1000) {
    const message = await consumer.receive();
    assert.equal(message.payload.toString(), `m${received}`);
    received++;
    pump();
    peak = Math.max(peak, consumer.prefetched);
  }
  assert.ok(peak <= 8, `queue peaked at ${peak}`);
  // Every FLOW after the first is a refill of half the queue.
  assert.ok(
    ctx.connection
      .flows()
      .slice(1)
      .every((p) => p === 4),
  );
  await consumer.close();
});

test('options are validated once: field and reason in the error', () => {
  const cases: [ConsumerOptions, RegExp][] = [
    [{ subscription: 's' } as ConsumerOptions, /exactly one of topic, topics or topicsPattern/],
    [{ topic: 'a', topics: ['b'], subscription: 's' }, /got topic and topics/],
    [{ topic: 'a', subscription: '' }, /invalid subscription: expected a non-empty string/],
    [
      { topic: 'a', subscription: 's', receiverQueueSize: 0 },
      /invalid receiverQueueSize: expected an integer from 1/,
    ],
    [
      { topic: 'a', subscription: 's', subscriptionType: 'Nope' as never },
      /invalid subscriptionType: expected one of/,
    ],
    [{ topics: [], subscription: 's' }, /invalid topics/],
    [
      { topicsPattern: 'public/default/(', subscription: 's' },
      /invalid topicsPattern: not a valid regular expression/,
    ],
    [{ topic: 'a/b', subscription: 's' }, /invalid topic/],
    [
      { topic: 'a', subscription: 's', negativeAckRedeliveryDelayMs: -1 },
      /invalid negativeAckRedeliveryDelayMs/,
    ],
    [
      { topic: 'a', subscription: 's', properties: { a: 1 as never } },
      /invalid properties.a: expected a string/,
    ],
  ];
  for (const [options, message] of cases) assert.throws(() => resolveConsumerOptions(options), message);
  const resolved = resolveConsumerOptions({
    topics: ['a', 'persistent://public/default/a', 't/n/b'],
    subscription: 's',
  });
  assert.deepEqual(resolved.target, {
    kind: 'topics',
    topics: ['persistent://public/default/a', 'persistent://t/n/b'],
  });
  assert.equal(resolved.subscriptionType, 'Exclusive');
  assert.equal(resolved.receiverQueueSize, 1000);
  const pattern = resolveConsumerOptions({ topicsPattern: 'tenant/ns/in-.*', subscription: 's' });
  assert.equal(pattern.target.kind === 'pattern' && pattern.target.pattern.namespace, 'tenant/ns');
  assert.ok(
    pattern.target.kind === 'pattern' && pattern.target.pattern.regex.test('persistent://tenant/ns/in-1'),
  );
  assert.ok(
    pattern.target.kind === 'pattern' && !pattern.target.pattern.regex.test('persistent://tenant/ns/xin-1'),
  );
});

test('subscribe rejects bad options before contacting the broker', async () => {
  const ctx = new FakeContext();
  await assert.rejects(
    subscribe(ctx, { topic: 'a', subscription: 's', receiverQueueSize: 1.5 }),
    /receiverQueueSize/,
  );
  assert.equal(ctx.lookups, 0);
  assert.ok(new TopicsConsumer(ctx, resolveConsumerOptions(base)));
});

test('an entry dropped unread gives back what the broker charged: not members cleared in ack_set', async () => {
  // Bad checksum (Shared: asked again) — a batch of 4 whose members 1-3 the broker already has acked.
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, receiverQueueSize: 4, subscriptionType: 'Shared' });
  const corrupt = batch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }, { payload: 'd' }]);
  corrupt.checksumValid = false;
  ctx.connection.push(0n, { entry: 1n, ackSet: [0b0001n] }, corrupt);
  assert.deepEqual(ctx.connection.flows(), [4], 'one permit back, below the refill threshold of 2');
  ctx.connection.push(0n, { entry: 2n }, single('x'));
  await consumer.receive();
  assert.deepEqual(ctx.connection.flows(), [4, 2]);
  await consumer.close();

  // Sent before our last redelivery request (an older epoch): dropped, same count.
  const ctx2 = new FakeContext();
  const exclusive = await subscribe(ctx2, {
    ...base,
    receiverQueueSize: 4,
    negativeAckRedeliveryDelayMs: 10,
  });
  ctx2.connection.push(0n, { entry: 1n }, single('x'));
  exclusive.negativeAcknowledge(await exclusive.receive());
  ctx2.clock.advance(10);
  assert.equal(ctx2.connection.redelivers().length, 1);
  const stale = batch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }, { payload: 'd' }]);
  ctx2.connection.push(0n, { entry: 2n, epoch: 0n, ackSet: [0b1000n] }, stale);
  assert.deepEqual(ctx2.connection.flows(), [4, 2], 'the taken message and one member: 2, not 5');
  await exclusive.close();
});

test('a corrupt num_messages never grants more than the receiver queue', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, { ...base, subscriptionType: 'Shared' });
  const corrupt = single('garbage', { numMessagesInBatch: 2 ** 31 - 1 }, { checksumValid: false });
  ctx.connection.push(0n, { entry: 1n }, corrupt);
  assert.deepEqual(ctx.connection.flows(), [10, 10]);
  await consumer.close();
});
