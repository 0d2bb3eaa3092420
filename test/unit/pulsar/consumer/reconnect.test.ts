// Losing the broker (connection closed, CLOSE_CONSUMER) drops the prefetch queue and resubscribes with the same
// consumer id after backoff, with a fresh FLOW; close() and iteration semantics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import {
  AlreadyClosedError,
  ConnectionError,
  ServerError,
  ServerErrorCode,
  TimeoutError,
} from '../../../../src/pulsar/errors.ts';
import {
  BaseCommand_Type,
  CommandCloseConsumerSchema,
  create,
} from '../../../../src/pulsar/protocol/index.ts';
import type { ConsumerOptions } from '../../../../src/pulsar/types.ts';
import { FakeContext, single } from './fake-broker.ts';

const base: ConsumerOptions = { topic: 'in', subscription: 'sub', receiverQueueSize: 10 };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('connection loss: queue cleared, resubscribe after backoff with the same id, permits reset', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const old = ctx.connection;
  for (let i = 0; i < 5; i++) old.push(0n, { entry: BigInt(i) }, single(`m${i}`));
  const handedOut = await consumer.receive();
  ctx.reconnect();
  old.close();
  assert.equal(consumer.isConnected, false);
  // Acks for messages handed out before the loss are kept and sent after the resubscribe.
  await consumer.acknowledge(handedOut);
  await ctx.clock.advanceAsync(99);
  assert.equal(ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE).length, 0, 'waits the backoff first');
  await ctx.clock.advanceAsync(1);
  const [sub] = ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE);
  assert.equal(sub?.subscribe?.consumerId, 0n);
  assert.equal(consumer.isConnected, true);
  assert.deepEqual(ctx.connection.ackedIds(), ['1:0']);
  assert.deepEqual(ctx.connection.flows(), [10]);
  // The ack went before FLOW.
  const types = ctx.connection.commands.map((c) => c.type);
  assert.ok(types.indexOf(BaseCommand_Type.ACK) < types.indexOf(BaseCommand_Type.FLOW));
  // The four prefetched messages are gone; the broker sends them again.
  ctx.connection.push(0n, { entry: 1n, redeliveryCount: 1 }, single('m1'));
  const next = await consumer.receive(0);
  assert.equal(next.payload.toString(), 'm1');
  await consumer.close();
});

test('CLOSE_CONSUMER from the broker: the consumer moves, the connection stays', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection
    .handler(0n)
    .onCloseConsumer(create(CommandCloseConsumerSchema, { consumerId: 0n, requestId: 0n }));
  assert.equal(ctx.connection.handlers.size, 0);
  await ctx.clock.advanceAsync(100);
  assert.equal(ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE).length, 2);
  assert.deepEqual(ctx.connection.flows(), [10, 10]);
  assert.equal(consumer.isConnected, true);
  await consumer.close();
});

test('resubscribe retries with growing backoff, resets it on success', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.lookupFailure = new ConnectionError('broker down');
  ctx.connection.close();
  ctx.reconnect();
  await ctx.clock.advanceAsync(100);
  assert.equal(ctx.lookups, 2);
  await ctx.clock.advanceAsync(200);
  assert.equal(ctx.lookups, 3);
  ctx.lookupFailure = undefined;
  await ctx.clock.advanceAsync(400);
  assert.equal(consumer.isConnected, true);
  ctx.connection.close();
  ctx.reconnect();
  await ctx.clock.advanceAsync(100);
  assert.equal(consumer.isConnected, true, 'backoff started over at 100 ms');
  await consumer.close();
});

test('a non-retriable resubscribe error fails the consumer: receive rejects with it', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const pending = assert.rejects(consumer.receive(), /AuthorizationError/);
  ctx.connection.close();
  ctx.reconnect().answer = () => {
    throw new ServerError(ServerErrorCode.AuthorizationError, 'no longer allowed');
  };
  await ctx.clock.advanceAsync(100);
  await pending;
  await assert.rejects(consumer.receive(), /AuthorizationError/);
  await consumer.close();
});

test('Exclusive taken: subscribe fails at once with ConsumerBusy', async () => {
  const ctx = new FakeContext();
  ctx.connection.answer = () => {
    throw new ServerError(ServerErrorCode.ConsumerBusy, 'Exclusive consumer is already connected');
  };
  await assert.rejects(subscribe(ctx, base), (error: unknown) => {
    assert.ok(error instanceof ServerError);
    assert.equal(error.codeName, 'ConsumerBusy');
    return true;
  });
  assert.equal(ctx.connection.handlers.size, 0);
});

test('retriable subscribe errors are retried until the operation timeout', async () => {
  const ctx = new FakeContext();
  let attempts = 0;
  ctx.connection.answer = () => {
    attempts++;
    if (attempts < 3) throw new ServerError(ServerErrorCode.ServiceNotReady, 'loading');
    return { $typeName: 'pulsar.proto.BaseCommand', type: BaseCommand_Type.SUCCESS } as never;
  };
  const subscribing = subscribe(ctx, base);
  await ctx.clock.advanceAsync(100);
  await ctx.clock.advanceAsync(200);
  const consumer = await subscribing;
  assert.equal(attempts, 3);
  await consumer.close();
});

test('close: CLOSE_CONSUMER sent, pending receives rejected, idempotent; iteration ends', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(0n, { entry: 1n }, single('x'));
  const iterated: string[] = [];
  const loop = (async () => {
    for await (const message of consumer) iterated.push(message.payload.toString());
  })();
  await tick();
  const pending = consumer.receive();
  const first = consumer.close();
  const second = consumer.close();
  assert.equal(first, second);
  await first;
  await loop;
  assert.deepEqual(iterated, ['x']);
  await assert.rejects(pending, AlreadyClosedError);
  await assert.rejects(consumer.receive(), AlreadyClosedError);
  assert.equal(ctx.connection.ofType(BaseCommand_Type.CLOSE_CONSUMER).length, 1);
  assert.equal(ctx.connection.handlers.size, 0);
  assert.equal(ctx.clock.pendingTimers, 0);
});

test('break leaves the consumer open; receive times out with TimeoutError', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.push(0n, { entry: 1n }, single('a'));
  ctx.connection.push(0n, { entry: 2n }, single('b'));
  for await (const message of consumer) {
    assert.equal(message.payload.toString(), 'a');
    break;
  }
  assert.equal((await consumer.receive()).payload.toString(), 'b');
  const waiting = consumer.receive(1000);
  ctx.clock.advance(1000);
  await assert.rejects(waiting, TimeoutError);
  assert.equal(ctx.connection.ofType(BaseCommand_Type.CLOSE_CONSUMER).length, 0);
  await consumer.close();
});

test('unsubscribe sends UNSUBSCRIBE, then the consumer is closed', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  await consumer.unsubscribe();
  assert.equal(ctx.connection.ofType(BaseCommand_Type.UNSUBSCRIBE).length, 1);
  await assert.rejects(consumer.receive(), AlreadyClosedError);
});

test('close during a resubscribe: the late subscription is released', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  ctx.connection.close();
  const next = ctx.reconnect();
  let answer: (() => void) | undefined;
  next.answer = (command) =>
    new Promise((resolve) => {
      answer = () =>
        resolve({ $typeName: 'pulsar.proto.BaseCommand', type: BaseCommand_Type.SUCCESS } as never);
      void command;
    });
  await ctx.clock.advanceAsync(100);
  assert.ok(answer, 'SUBSCRIBE is in flight');
  const closed = consumer.close();
  answer();
  await closed;
  await tick();
  assert.equal(next.ofType(BaseCommand_Type.CLOSE_CONSUMER).length, 1);
  assert.equal(next.handlers.size, 0);
  assert.deepEqual(next.flows(), []);
});
