// Losing the broker (connection closed, CLOSE_CONSUMER) drops the prefetch queue and resubscribes with the same
// consumer id after backoff, with a fresh FLOW; close() and iteration semantics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subscribe } from '../../../../src/pulsar/consumer/index.ts';
import {
  AlreadyClosedError,
  AuthenticationError,
  ConnectionError,
  ProtocolError,
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
import { FakeContext, single, success } from './fake-broker.ts';

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

test('a resubscribe refused for good fails the consumer: receive rejects with the error', async () => {
  for (const code of [
    ServerErrorCode.TopicNotFound,
    ServerErrorCode.SubscriptionNotFound,
    ServerErrorCode.NotAllowedError,
    ServerErrorCode.InvalidTopicName,
    ServerErrorCode.IncompatibleSchema,
  ]) {
    const ctx = new FakeContext();
    const consumer = await subscribe(ctx, base);
    const pending = assert.rejects(consumer.receive(), (error: unknown) => {
      assert.ok(error instanceof ServerError);
      assert.equal(error.code, code);
      return true;
    });
    ctx.connection.close();
    ctx.reconnect().answer = () => {
      throw new ServerError(code, 'refused');
    };
    await ctx.clock.advanceAsync(100);
    await pending;
    await assert.rejects(consumer.receive(), ServerError);
    await consumer.close();
  }
});

test('any other resubscribe error is retried with backoff and logged: the consumer survives it', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  const received = consumer.receive();
  ctx.connection.close();
  // What a token rotation, a certificate rotation or a confused broker look like from here, one per attempt.
  const failures: Error[] = [
    new AuthenticationError('cannot read the token from the token file'),
    new ConnectionError('cannot connect: CERT_HAS_EXPIRED', { retriable: false }),
    new ProtocolError('lookup: the broker gave a malformed URL'),
    new ServerError(ServerErrorCode.AuthenticationError, 'token expired'),
    new ServerError(ServerErrorCode.AuthorizationError, 'not authorized yet'),
    new ServerError(ServerErrorCode.ConsumerBusy, 'old connection not yet noticed'),
  ];
  let lookups = 0;
  const next = ctx.reconnect();
  ctx.connectionForTopic = async () => {
    const failure = failures[lookups++];
    if (failure !== undefined && !(failure instanceof ServerError)) throw failure;
    return next;
  };
  next.answer = (command) => {
    const failure = failures[lookups - 1];
    if (failure instanceof ServerError) throw failure;
    return success(command);
  };
  let delay = 100;
  for (let attempt = 0; attempt < failures.length; attempt++) {
    await ctx.clock.advanceAsync(delay);
    delay *= 2;
    assert.equal(consumer.isConnected, false, `still retrying after ${failures[attempt]!.message}`);
  }
  await ctx.clock.advanceAsync(delay);
  assert.equal(consumer.isConnected, true);
  const warnings = ctx.lines.filter((l) => l.message === 'resubscribe failed, retrying after backoff');
  assert.deepEqual(
    warnings.map((l) => l.fields.err),
    failures,
  );
  next.push(0n, { entry: 1n }, single('after'));
  assert.equal((await received).payload.toString(), 'after');
  await consumer.close();
});

test('the first subscribe still fails at once on a non-retriable error', async () => {
  const ctx = new FakeContext();
  ctx.connection.answer = () => {
    throw new ServerError(ServerErrorCode.AuthorizationError, 'not allowed');
  };
  await assert.rejects(subscribe(ctx, base), /AuthorizationError/);
  assert.equal(ctx.connection.ofType(BaseCommand_Type.SUBSCRIBE).length, 1);
});

test('a SUBSCRIBE that timed out is closed on the broker before the same consumer id subscribes again', async () => {
  const ctx = new FakeContext();
  let attempts = 0;
  ctx.connection.answer = (command) => {
    if (command.type === BaseCommand_Type.SUBSCRIBE && attempts++ === 0) {
      throw new TimeoutError('no answer to SUBSCRIBE');
    }
    return success(command);
  };
  const subscribing = subscribe(ctx, base);
  await ctx.clock.advanceAsync(100);
  const consumer = await subscribing;
  assert.deepEqual(
    ctx.connection.commands
      .filter((c) => c.type !== BaseCommand_Type.FLOW)
      .map((c) => [BaseCommand_Type[c.type], c.subscribe?.consumerId ?? c.closeConsumer?.consumerId]),
    [
      ['SUBSCRIBE', 0n],
      ['CLOSE_CONSUMER', 0n],
      ['SUBSCRIBE', 0n],
    ],
  );
  // Also on a resubscribe; other errors leave nothing to close.
  ctx.connection.close();
  const next = ctx.reconnect();
  let resubscribes = 0;
  next.answer = (command) => {
    if (command.type !== BaseCommand_Type.SUBSCRIBE) return success(command);
    resubscribes++;
    if (resubscribes === 1) throw new ServerError(ServerErrorCode.ServiceNotReady, 'loading');
    if (resubscribes === 2) throw new TimeoutError('no answer to SUBSCRIBE');
    return success(command);
  };
  await ctx.clock.advanceAsync(100 + 200 + 400);
  assert.equal(consumer.isConnected, true);
  assert.deepEqual(
    next.commands.filter((c) => c.type !== BaseCommand_Type.FLOW).map((c) => BaseCommand_Type[c.type]),
    ['SUBSCRIBE', 'SUBSCRIBE', 'CLOSE_CONSUMER', 'SUBSCRIBE'],
  );
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

test('a pending receive keeps the process alive, through a resubscribe backoff too', async () => {
  const ctx = new FakeContext();
  const consumer = await subscribe(ctx, base);
  assert.equal(ctx.clock.keptAlive, 0, 'an idle consumer holds nothing');
  const first = consumer.receive();
  const second = consumer.receive();
  assert.equal(ctx.clock.keptAlive, 1, 'one hold for all waiting receives');
  ctx.connection.close();
  ctx.reconnect();
  await ctx.clock.advanceAsync(50); // inside the backoff: no socket open, only the hold keeps a process up
  assert.equal(ctx.clock.keptAlive, 1);
  await ctx.clock.advanceAsync(50);
  ctx.connection.push(0n, { entry: 1n }, single('a'));
  await first;
  assert.equal(ctx.clock.keptAlive, 1, 'the second receive still waits');
  ctx.connection.push(0n, { entry: 2n }, single('b'));
  await second;
  assert.equal(ctx.clock.keptAlive, 0);
  const timed = assert.rejects(consumer.receive(100), TimeoutError);
  assert.equal(ctx.clock.keptAlive, 1);
  await ctx.clock.advanceAsync(100);
  await timed;
  assert.equal(ctx.clock.keptAlive, 0);
  const closed = assert.rejects(consumer.receive(), AlreadyClosedError);
  await consumer.close();
  await closed;
  assert.equal(ctx.clock.keptAlive, 0);
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
