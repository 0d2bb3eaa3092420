// The partition producer against a fake broker connection and a fake clock: sequence ids, receipts, the
// pending bound, send timeout, reconnect and resend, flush and close, oversize messages, backpressure.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AlreadyClosedError,
  ConnectionError,
  InvalidArgumentError,
  ProducerQueueFullError,
  PulsarError,
  ServerError,
  ServerErrorCode,
  TimeoutError,
} from '../../../../src/pulsar/errors.ts';
import { PulsarMessageId } from '../../../../src/pulsar/message-id.ts';
import { createProducer, type PartitionProducer } from '../../../../src/pulsar/producer/index.ts';
import { BaseCommand_Type } from '../../../../src/pulsar/protocol/index.ts';
import type { MessageId, OutgoingMessage, ProducerOptions } from '../../../../src/pulsar/types.ts';
import { settle } from '../../../support/fake-clock.ts';
import { FakeContext, type FakeContextOptions } from './fake-connection.ts';

const TOPIC = 'persistent://public/default/t';

async function setup(options: Partial<ProducerOptions> = {}, contextOptions: FakeContextOptions = {}) {
  const context = new FakeContext(contextOptions);
  const producer = (await createProducer(context, {
    topic: TOPIC,
    batchingEnabled: false,
    ...options,
  })) as PartitionProducer;
  return { context, producer, connection: context.connection(TOPIC) };
}

const bytes = (text: string) => Buffer.from(text);

/** Records how each promise ends, so tests can assert on settlement without unhandled rejections. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

describe('registration and sequence ids', () => {
  test('registers with PRODUCER and numbers messages from 0 when the broker knows none', async () => {
    const { producer, connection } = await setup();
    const producerCommand = connection.requests[0]!;
    assert.equal(producerCommand.type, BaseCommand_Type.PRODUCER);
    assert.equal(producerCommand.producer!.epoch, 0n);
    assert.equal(producerCommand.producer!.userProvidedProducerName, false);
    assert.equal(producer.producerName, 'standalone-0-0');
    assert.equal(producer.lastSequenceId, -1n);

    const sends = [producer.send({ payload: bytes('a') }), producer.send({ payload: bytes('b') })];
    assert.deepEqual(
      connection.sent.map((f) => [f.sequenceId, f.metadata.sequenceId, f.metadata.producerName]),
      [
        [0n, 0n, 'standalone-0-0'],
        [1n, 1n, 'standalone-0-0'],
      ],
    );
    connection.receipt(0n, 7n, 3n);
    connection.receipt(1n, 7n, 4n);
    const ids = await Promise.all(sends);
    assert.deepEqual(ids, [new PulsarMessageId(7n, 3n, -1, -1, 0), new PulsarMessageId(7n, 4n, -1, -1, 0)]);
    assert.equal(producer.lastSequenceId, 1n);
  });

  test('continues after the last sequence id the broker reports', async () => {
    const context = new FakeContext();
    context.producerAnswers.push({ producerName: 'named', lastSequenceId: 41n });
    const producer = await createProducer(context, {
      topic: TOPIC,
      batchingEnabled: false,
      producerName: 'named',
    });
    assert.equal(producer.lastSequenceId, 41n);
    const connection = context.connection(TOPIC);
    assert.equal(connection.requests[0]!.producer!.userProvidedProducerName, true);
    assert.equal(connection.requests[0]!.producer!.producerName, 'named');
    void producer.send({ payload: bytes('x') }).catch(() => {});
    assert.equal(connection.sent[0]!.sequenceId, 42n);
  });

  test('starts at initialSequenceId when the broker knows none, and honours explicit ids', async () => {
    const { producer, connection } = await setup({ initialSequenceId: 100n });
    for (const message of [{}, { sequenceId: 5000n }, {}]) {
      void producer.send({ payload: bytes('x'), ...message }).catch(() => {});
    }
    assert.deepEqual(
      connection.sent.map((f) => f.sequenceId),
      [100n, 5000n, 101n],
    );
  });

  test('puts key, ordering key, properties and event time in the message metadata', async () => {
    const { producer, connection } = await setup();
    void producer
      .send({
        payload: bytes('x'),
        key: 'k',
        orderingKey: Uint8Array.of(0, 1, 255),
        properties: { a: '1', b: '2' },
        eventTime: 1_700_000_000_123,
      })
      .catch(() => {});
    const metadata = connection.sent[0]!.metadata;
    assert.equal(metadata.partitionKey, 'k');
    assert.deepEqual([...metadata.orderingKey], [0, 1, 255]);
    assert.deepEqual(
      metadata.properties.map((p) => [p.key, p.value]),
      [
        ['a', '1'],
        ['b', '2'],
      ],
    );
    assert.equal(metadata.eventTime, 1_700_000_000_123n);
    assert.equal(metadata.publishTime, BigInt(1_700_000_000_000));
    assert.equal(connection.sent[0]!.numMessages, 1);
  });
});

describe('receipts', () => {
  test('a receipt behind the head is ignored; one ahead of it closes the connection to resend', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const first = track(producer.send({ payload: bytes('a') }));
    const second = track(producer.send({ payload: bytes('b') }));
    connection.receipt(0n);
    await settle();
    assert.ok(first.settled);
    connection.receipt(0n); // a duplicate, behind the head (1): ignored
    assert.equal(connection.isClosed, false);
    connection.receipt(5n); // ahead of the head: state differs from the broker's
    assert.equal(connection.isClosed, true);
    await settle();
    assert.equal(second.settled, false);

    await context.clock.advanceAsync(100);
    const next = context.connection(TOPIC);
    assert.notEqual(next, connection);
    assert.deepEqual(
      next.sent.map((f) => f.sequenceId),
      [1n],
    );
    next.receipt(1n, 2n, 0n);
    await settle();
    assert.deepEqual(second.value, new PulsarMessageId(2n, 0n, -1, -1, 0));
  });
});

describe('pending queue bound', () => {
  test('fails at once with ProducerQueueFullError when blockIfQueueFull is false', async () => {
    const { producer, connection } = await setup({ maxPendingMessages: 2, blockIfQueueFull: false });
    const a = track(producer.send({ payload: bytes('a') }));
    const b = track(producer.send({ payload: bytes('b') }));
    await assert.rejects(producer.send({ payload: bytes('c') }), ProducerQueueFullError);
    connection.receipt(0n);
    await settle();
    assert.ok(a.settled && !b.settled);
    const c = track(producer.send({ payload: bytes('c') }));
    assert.deepEqual(
      connection.sent.map((f) => f.sequenceId),
      [0n, 1n, 2n],
    );
    connection.receipt(1n);
    connection.receipt(2n);
    await settle();
    assert.ok(b.settled && c.settled);
  });

  test('waits for room when blockIfQueueFull, then sends in call order', async () => {
    const { producer, connection } = await setup({ maxPendingMessages: 2 });
    const sends = ['a', 'b', 'c', 'd', 'e'].map((text) => track(producer.send({ payload: bytes(text) })));
    assert.equal(connection.sent.length, 2);
    connection.receipt(0n);
    await settle();
    assert.deepEqual(
      connection.sent.map((f) => Buffer.from(f.payload).toString()),
      ['a', 'b', 'c'],
    );
    // New sends queue behind the waiting ones, never overtake them.
    const f = track(producer.send({ payload: bytes('f') }));
    connection.receipt(1n);
    connection.receipt(2n);
    connection.receipt(3n);
    connection.receipt(4n);
    await settle();
    assert.deepEqual(
      connection.sent.map((frame) => [frame.sequenceId, Buffer.from(frame.payload).toString()]),
      [
        [0n, 'a'],
        [1n, 'b'],
        [2n, 'c'],
        [3n, 'd'],
        [4n, 'e'],
        [5n, 'f'],
      ],
    );
    assert.ok(sends.every((s) => s.settled) && !f.settled);
  });
});

describe('send timeout', () => {
  test('fails messages not receipted in time with a retriable TimeoutError; later ones go on', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 1000 });
    const a = track(producer.send({ payload: bytes('a') }));
    context.clock.advance(400);
    const b = track(producer.send({ payload: bytes('b') }));
    await context.clock.advanceAsync(600);
    assert.ok(a.error instanceof TimeoutError);
    assert.equal((a.error as TimeoutError).retriable, true);
    assert.equal(b.settled, false);
    connection.receipt(0n); // the late receipt of the timed-out message is ignored
    connection.receipt(1n);
    await settle();
    assert.ok(b.value !== undefined);
    assert.equal(connection.isClosed, false);
    // The timer re-arms for later messages.
    const c = track(producer.send({ payload: bytes('c') }));
    await context.clock.advanceAsync(1000);
    assert.ok(c.error instanceof TimeoutError);
  });
});

describe('oversize messages', () => {
  test('fail with InvalidArgumentError and are never sent', async () => {
    const { producer, connection } = await setup({}, { maxMessageSize: 1000 });
    await assert.rejects(producer.send({ payload: new Uint8Array(1001) }), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(error.retriable, false);
      assert.match(error.message, /1001 bytes exceeds the broker's maximum message size of 1000 bytes/);
      return true;
    });
    assert.equal(connection.sent.length, 0);
    void producer.send({ payload: new Uint8Array(1000) }).catch(() => {});
    assert.equal(connection.sent.length, 1);
  });

  test('bad arguments are refused before anything is sent', async () => {
    const { producer, connection } = await setup();
    await assert.rejects(producer.send({ payload: 'text' as unknown as Uint8Array }), InvalidArgumentError);
    await assert.rejects(producer.send({ payload: bytes('x'), eventTime: -1 }), InvalidArgumentError);
    await assert.rejects(producer.send({ payload: bytes('x'), eventTime: 1.5 }), InvalidArgumentError);
    assert.equal(connection.sent.length, 0);
  });
});

describe('reconnect', () => {
  test('re-registers with the same id, kept name and epoch + 1, then resends the whole queue before new sends', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const early = ['a', 'b', 'c'].map((text) => track(producer.send({ payload: bytes(text) })));
    connection.receipt(0n);
    connection.close();
    // Sent while reconnecting: waits in the queue.
    const late = track(producer.send({ payload: bytes('d') }));
    assert.equal(producer.state, 'reconnecting');
    await context.clock.advanceAsync(99);
    assert.equal(context.connections.get(TOPIC)!.length, 1);
    await context.clock.advanceAsync(1);
    const next = context.connection(TOPIC);
    assert.notEqual(next, connection);
    const register = next.requests[0]!.producer!;
    assert.equal(register.producerId, connection.requests[0]!.producer!.producerId);
    assert.equal(register.producerName, 'standalone-0-0');
    assert.equal(register.userProvidedProducerName, false);
    assert.equal(register.epoch, 1n);
    assert.equal(producer.state, 'ready');
    assert.deepEqual(
      next.sent.map((f) => [f.sequenceId, Buffer.from(f.payload).toString()]),
      [
        [1n, 'b'],
        [2n, 'c'],
        [3n, 'd'],
      ],
    );
    // A send after the reconnect goes after the resent ones.
    const after = track(producer.send({ payload: bytes('e') }));
    assert.equal(next.sent.at(-1)!.sequenceId, 4n);
    next.receiptAll(0, 10n);
    await settle();
    assert.ok([...early, late, after].every((s) => s.settled && s.error === undefined));
  });

  test('retries failed attempts with backoff, and gives up on a fatal error', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const pending = track(producer.send({ payload: bytes('a') }));
    context.lookupErrors.push(new ServerError(ServerErrorCode.ServiceNotReady, 'not yet'));
    context.producerAnswers.push({ errorCode: ServerErrorCode.ProducerBusy });
    connection.close();
    await context.clock.advanceAsync(100); // lookup fails
    await context.clock.advanceAsync(200); // PRODUCER refused: busy (retriable)
    assert.equal(producer.state, 'reconnecting');
    assert.equal(context.lookups, 3);
    context.producerAnswers.push({ errorCode: ServerErrorCode.TopicTerminatedError, message: 'terminated' });
    await context.clock.advanceAsync(400);
    assert.equal(producer.state, 'closed');
    assert.ok(pending.error instanceof ServerError);
    assert.equal((pending.error as ServerError).code, ServerErrorCode.TopicTerminatedError);
    await assert.rejects(producer.send({ payload: bytes('b') }), ServerError);
  });

  test('the broker closing the producer (CLOSE_PRODUCER) triggers a re-registration and resend', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const a = track(producer.send({ payload: bytes('a') }));
    connection.closeProducer();
    assert.equal(connection.isClosed, false);
    assert.equal(connection.handlers.size, 0);
    await context.clock.advanceAsync(100);
    // Same (still open) connection, registered again.
    assert.equal(connection.requests.filter((c) => c.type === BaseCommand_Type.PRODUCER).length, 2);
    assert.equal(connection.sent.length, 2);
    connection.receipt(0n);
    await settle();
    assert.ok(a.value !== undefined);
  });

  test('a retriable SEND_ERROR closes the connection and resends; a fatal one fails everything', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const a = track(producer.send({ payload: bytes('a') }));
    connection.sendError(0n, ServerErrorCode.PersistenceError);
    assert.equal(connection.isClosed, true);
    await context.clock.advanceAsync(100);
    const next = context.connection(TOPIC);
    assert.equal(next.sent.length, 1);
    const b = track(producer.send({ payload: bytes('b') }));
    next.sendError(0n, ServerErrorCode.TopicTerminatedError);
    await settle();
    for (const s of [a, b]) {
      assert.ok(s.error instanceof ServerError);
      assert.equal((s.error as ServerError).code, ServerErrorCode.TopicTerminatedError);
    }
    assert.equal(producer.state, 'closed');
    assert.ok(next.requests.some((c) => c.type === BaseCommand_Type.CLOSE_PRODUCER));
    await producer.flush();
    await producer.close();
  });

  test('creation retries retriable errors within the operation timeout, then fails', async () => {
    const context = new FakeContext({ operationTimeoutMs: 1000 });
    for (let i = 0; i < 10; i++)
      context.lookupErrors.push(new ServerError(ServerErrorCode.ServiceNotReady, 'no'));
    const created = track(createProducer(context, { topic: TOPIC }));
    await context.clock.advanceAsync(100);
    await context.clock.advanceAsync(200);
    assert.equal(created.settled, false);
    await context.clock.advanceAsync(400);
    assert.ok(created.error instanceof ServerError);
    assert.equal(context.lookups, 4);
  });

  test('creation fails at once on a non-retriable error', async () => {
    const context = new FakeContext();
    context.producerAnswers.push({ errorCode: ServerErrorCode.AuthorizationError });
    await assert.rejects(createProducer(context, { topic: TOPIC }), ServerError);
  });
});

describe('backpressure', () => {
  test('stops writing while the socket is over its high-water mark and resumes on drain', async () => {
    const { producer, connection } = await setup();
    connection.writable = false;
    for (const text of ['a', 'b', 'c']) void producer.send({ payload: bytes(text) }).catch(() => {});
    assert.equal(connection.sent.length, 1);
    connection.drain();
    await settle();
    assert.equal(connection.sent.length, 3);
  });
});

describe('flush and close', () => {
  test('flush resolves once everything sent before it is receipted or failed', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 1000 });
    void producer.send({ payload: bytes('a') });
    const b = track(producer.send({ payload: bytes('b') }));
    const flushed = track(producer.flush());
    const c = track(producer.send({ payload: bytes('c') }));
    connection.receipt(0n);
    await settle();
    assert.equal(flushed.settled, false);
    context.clock.advance(1000); // b (and c) time out: failed counts as done
    await settle();
    assert.ok(b.error instanceof TimeoutError);
    assert.ok(c.error instanceof TimeoutError);
    assert.ok(flushed.settled);
    await producer.flush(); // nothing pending: at once
  });

  test('close flushes, sends CLOSE_PRODUCER, is idempotent, and later sends fail with AlreadyClosedError', async () => {
    const { producer, connection } = await setup({ sendTimeoutMs: 0 });
    const a = track(producer.send({ payload: bytes('a') }));
    const closed = track(producer.close());
    assert.equal(producer.state, 'closing');
    await assert.rejects(producer.send({ payload: bytes('b') }), AlreadyClosedError);
    await settle();
    assert.equal(closed.settled, false);
    assert.ok(!connection.requests.some((c) => c.type === BaseCommand_Type.CLOSE_PRODUCER));
    connection.receipt(0n);
    await settle();
    assert.ok(a.value !== undefined);
    assert.ok(closed.settled && closed.error === undefined);
    assert.equal(connection.requests.filter((c) => c.type === BaseCommand_Type.CLOSE_PRODUCER).length, 1);
    assert.equal(connection.handlers.size, 0);
    await producer.close();
    assert.equal(connection.requests.filter((c) => c.type === BaseCommand_Type.CLOSE_PRODUCER).length, 1);
    await assert.rejects(producer.send({ payload: bytes('c') }), AlreadyClosedError);
  });

  test('close keeps reconnecting to flush what is pending', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const a = track(producer.send({ payload: bytes('a') }));
    connection.close();
    const closed = track(producer.close());
    await context.clock.advanceAsync(100);
    const next = context.connection(TOPIC);
    assert.equal(next.sent.length, 1);
    next.receipt(0n);
    await settle();
    assert.ok(a.value !== undefined && closed.settled);
    assert.equal(producer.state, 'closed');
  });

  test('sends waiting for room before close() still go out and are flushed', async () => {
    const { producer, connection } = await setup({ maxPendingMessages: 1, sendTimeoutMs: 0 });
    const a = track(producer.send({ payload: bytes('a') }));
    const b = track(producer.send({ payload: bytes('b') }));
    const closed = track(producer.close());
    connection.receipt(0n);
    await settle();
    assert.equal(connection.sent.length, 2);
    connection.receipt(1n);
    await settle();
    assert.ok(a.value && b.value && closed.settled);
  });
});

describe('batching', () => {
  async function batching(options: Partial<ProducerOptions> = {}, contextOptions: FakeContextOptions = {}) {
    return setup({ batchingEnabled: true, sendTimeoutMs: 0, ...options }, contextOptions);
  }

  test('sends a batch when it reaches batchingMaxMessages, with batch-indexed message ids', async () => {
    const { producer, connection } = await batching({ batchingMaxMessages: 3 });
    const sends = ['a', 'b', 'c', 'd'].map((text) => producer.send({ payload: bytes(text) }));
    assert.equal(connection.sent.length, 1);
    const frame = connection.sent[0]!;
    assert.equal(frame.numMessages, 3);
    assert.equal(frame.sequenceId, 0n);
    assert.equal(frame.highestSequenceId, 2n);
    assert.equal(frame.metadata.numMessagesInBatch, 3);
    assert.equal(frame.metadata.highestSequenceId, 2n);
    connection.receipt(0n, 9n, 1n);
    const ids = (await Promise.all(sends.slice(0, 3))) as MessageId[];
    assert.deepEqual(
      ids.map((id) => [id.ledgerId, id.entryId, id.batchIndex, id.batchSize]),
      [
        [9n, 1n, 0, 3],
        [9n, 1n, 1, 3],
        [9n, 1n, 2, 3],
      ],
    );
    void sends[3]!.catch(() => {});
  });

  test('sends a batch when the next message would pass batchingMaxBytes, or when it reaches it', async () => {
    const { producer, connection } = await batching({ batchingMaxBytes: 10 });
    for (const size of [4, 4, 4, 6, 20])
      void producer.send({ payload: new Uint8Array(size) }).catch(() => {});
    // [4,4] (4 more would pass 10) · [4,6] (reaches 10) · [20] (an empty batch takes it; it is full at once)
    assert.deepEqual(
      connection.sent.map((f) => f.numMessages),
      [2, 2, 1],
    );
  });

  test('sends a batch after batchingMaxPublishDelayMs; a batch of one goes as a plain message', async () => {
    const { context, producer, connection } = await batching({ batchingMaxPublishDelayMs: 10 });
    const a = track(producer.send({ payload: bytes('a') }));
    await context.clock.advanceAsync(9);
    assert.equal(connection.sent.length, 0);
    await context.clock.advanceAsync(1);
    assert.equal(connection.sent.length, 1);
    const frame = connection.sent[0]!;
    assert.equal(frame.metadata.numMessagesInBatch, 1); // the proto default: not a batch
    assert.equal(frame.command.send!.numMessages, 1);
    assert.equal(Buffer.from(frame.payload).toString(), 'a');
    connection.receipt(0n, 1n, 5n);
    await settle();
    assert.deepEqual(a.value, new PulsarMessageId(1n, 5n, -1, -1, 0));
  });

  test('batches stay under the broker limit; one tipped over it by headers goes as single messages', async () => {
    const { producer, connection } = await batching(
      { batchingMaxBytes: 1_000_000 },
      { maxMessageSize: 1000 },
    );
    for (const size of [500, 500]) void producer.send({ payload: new Uint8Array(size) });
    // 500 + 500 reached the (lowered) limit of 1000 payload bytes, but with headers the batch is > 1000.
    assert.deepEqual(
      connection.sent.map((f) => [f.numMessages, f.payload.length]),
      [
        [1, 500],
        [1, 500],
      ],
    );
    for (const size of [300, 300, 300]) void producer.send({ payload: new Uint8Array(size) });
    void producer.flush();
    assert.deepEqual(connection.sent.at(-1)!.numMessages, 3);
  });

  test('batches built while reconnecting go out after the resent ones, in order', async () => {
    const { context, producer, connection } = await batching({ batchingMaxMessages: 2 });
    for (const text of ['a', 'b', 'c']) void producer.send({ payload: bytes(text) });
    connection.close();
    for (const text of ['d', 'e']) void producer.send({ payload: bytes(text) });
    await context.clock.advanceAsync(100); // the batch timer (10 ms) sends [c, d]; [e] waits; reconnect
    const next = context.connection(TOPIC);
    await context.clock.advanceAsync(10);
    assert.deepEqual(
      next.sent.map((f) => [f.sequenceId, f.numMessages]),
      [
        [0n, 2],
        [2n, 2],
        [4n, 1],
      ],
    );
  });

  test('flush sends the open batch at once', async () => {
    const { producer, connection } = await batching();
    void producer.send({ payload: bytes('a') });
    void producer.send({ payload: bytes('b') });
    const flushed = track(producer.flush());
    assert.equal(connection.sent.length, 1);
    connection.receipt(0n);
    await settle();
    assert.ok(flushed.settled);
  });
});

describe('message fields checked in send()', () => {
  const bad: [string, Partial<OutgoingMessage>][] = [
    ['key', { key: 42 as unknown as string }],
    ['orderingKey', { orderingKey: 'k' as unknown as Uint8Array }],
    ['properties', { properties: 'a=b' as unknown as Record<string, string> }],
    ['properties', { properties: null as unknown as Record<string, string> }],
    ['properties.a', { properties: { a: 1 as unknown as string } }],
    ['properties.b', { properties: { a: 'ok', b: undefined as unknown as string } }],
    ['sequenceId', { sequenceId: 5 as unknown as bigint }],
    ['sequenceId', { sequenceId: -1n }],
    ['sequenceId', { sequenceId: 1n << 64n }],
    ['eventTime', { eventTime: Number.NaN }],
  ];
  for (const batchingEnabled of [false, true]) {
    test(`a bad field is refused with InvalidArgumentError naming it (batching ${batchingEnabled ? 'on' : 'off'})`, async () => {
      const { context, producer, connection } = await setup({ batchingEnabled });
      for (const [field, fields] of bad) {
        await assert.rejects(producer.send({ payload: bytes('x'), ...fields }), (error: unknown) => {
          assert.ok(error instanceof InvalidArgumentError, String(error));
          assert.equal(error.field, field);
          return true;
        });
      }
      // Nothing was accepted: flush has nothing to wait for, and the producer goes on.
      await producer.flush();
      const ok = track(producer.send({ payload: bytes('ok'), key: 'k', properties: { a: 'b' } }));
      await context.clock.advanceAsync(10);
      assert.equal(connection.sent.length, 1);
      connection.receiptAll();
      await settle();
      assert.ok(ok.value !== undefined);
      await producer.close();
    });
  }
});

describe('a frame that cannot be built or encoded', () => {
  test('fails its messages instead of throwing from the batch timer; flush and close settle', async () => {
    const { context, producer, connection } = await setup({ batchingEnabled: true });
    // Buffers and records are not copied: a caller that changes them before send() settles breaks the rule
    // send() checked. The batch is built later, in the timer.
    const properties: Record<string, string> = { a: 'fine' };
    const a = track(producer.send({ payload: bytes('a'), properties }));
    const b = track(producer.send({ payload: bytes('b') }));
    properties.a = 1 as unknown as string;
    await context.clock.advanceAsync(10); // would throw out of the timer
    await settle();
    for (const s of [a, b]) assert.ok(s.error instanceof PulsarError && !(s.error instanceof TimeoutError));
    assert.equal(connection.sent.length, 0);
    await producer.flush();
    const c = track(producer.send({ payload: bytes('c') }));
    await context.clock.advanceAsync(10);
    connection.receiptAll();
    await settle();
    assert.ok(c.value !== undefined, 'the producer goes on');
    await producer.close();
    assert.equal(context.clock.keptAlive, 0);
  });

  test('a frame failing to encode leaves the queue, so later receipts still match', async () => {
    const { producer, connection } = await setup({ sendTimeoutMs: 0 });
    connection.beforeEncode = (sequenceId) => {
      if (sequenceId === 1n) throw new TypeError('cannot encode');
    };
    const sends = ['a', 'b', 'c'].map((text) => track(producer.send({ payload: bytes(text) })));
    await settle();
    assert.ok(sends[1]!.error instanceof PulsarError);
    assert.deepEqual(
      connection.sent.map((f) => f.sequenceId),
      [0n, 2n],
    );
    connection.receipt(0n);
    connection.receipt(2n);
    await settle();
    assert.ok(sends[0]!.value !== undefined && sends[2]!.value !== undefined);
    await producer.close();
  });
});

describe('wall clock and monotonic clock', () => {
  test('the send timeout runs on the monotonic clock; publish_time is wall-clock time', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 30_000 });
    context.clock.jumpWallClock(-3_600_000); // stepped an hour back after the producer started
    const a = track(producer.send({ payload: bytes('a') }));
    assert.equal(connection.sent[0]!.metadata.publishTime, BigInt(context.clock.now()));
    context.clock.jumpWallClock(-3_600_000); // and again while the message waits
    await context.clock.advanceAsync(30_000);
    assert.ok(a.error instanceof TimeoutError, 'timed out on time');
    context.clock.jumpWallClock(7_200_000); // forward: nothing times out early
    const b = track(producer.send({ payload: bytes('b') }));
    context.clock.jumpWallClock(3_600_000);
    await context.clock.advanceAsync(29_999);
    assert.equal(b.settled, false);
    const closed = producer.close({ timeoutMs: 0 });
    await context.clock.advanceAsync(0);
    await closed;
    assert.ok(b.error instanceof TimeoutError);
  });
});

describe('registration timeouts', () => {
  test('a PRODUCER that timed out is closed on the broker before the same id registers again', async () => {
    const context = new FakeContext();
    context.producerAnswers.push({ timeout: true });
    const created = track(createProducer(context, { topic: TOPIC }));
    await context.clock.advanceAsync(100);
    const producer = created.value as PartitionProducer;
    assert.ok(producer, 'created on the second attempt');
    const connection = context.connection(TOPIC);
    const registration = () =>
      connection.requests
        .filter((c) => c.type === BaseCommand_Type.PRODUCER || c.type === BaseCommand_Type.CLOSE_PRODUCER)
        .map((c) => [BaseCommand_Type[c.type], c.producer?.producerId ?? c.closeProducer?.producerId]);
    assert.deepEqual(registration(), [
      ['PRODUCER', 0n],
      ['CLOSE_PRODUCER', 0n],
      ['PRODUCER', 0n],
    ]);
    // On a re-registration too; a refusal (the broker answered) leaves nothing to close.
    connection.producerAnswers.push({ errorCode: ServerErrorCode.ServiceNotReady }, { timeout: true });
    connection.closeProducer();
    await context.clock.advanceAsync(100 + 200 + 400);
    assert.equal(producer.state, 'ready');
    assert.deepEqual(registration().slice(3), [
      ['PRODUCER', 0n],
      ['PRODUCER', 0n],
      ['CLOSE_PRODUCER', 0n],
      ['PRODUCER', 0n],
    ]);
    await producer.close();
  });
});

describe('close with a deadline', () => {
  test('fails what is still pending with TimeoutError when the broker stays away, then closes', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0, batchingEnabled: true });
    const a = track(producer.send({ payload: bytes('a') }));
    await context.clock.advanceAsync(10);
    const b = track(producer.send({ payload: bytes('b') })); // still in the open batch
    connection.close();
    for (let i = 0; i < 100; i++) context.lookupErrors.push(new ConnectionError('broker unreachable'));
    const closed = track(producer.close({ timeoutMs: 5000 }));
    await context.clock.advanceAsync(4999);
    assert.equal(closed.settled, false, 'waits for the broker until the deadline');
    assert.equal(a.settled || b.settled, false);
    await context.clock.advanceAsync(1);
    await settle();
    for (const s of [a, b]) assert.ok(s.error instanceof TimeoutError, String(s.error));
    assert.ok(closed.settled && closed.error === undefined);
    assert.equal(producer.state, 'closed');
    assert.equal(context.clock.keptAlive, 0);
    await assert.rejects(producer.send({ payload: bytes('c') }), AlreadyClosedError);
  });

  test('a close without a deadline can be given one later; CLOSE_PRODUCER waits only what is left', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    const a = track(producer.send({ payload: bytes('a') }));
    const closed = track(producer.close());
    await context.clock.advanceAsync(60_000);
    assert.equal(closed.settled, false);
    assert.equal(producer.close({ timeoutMs: 1000 }), producer.close(), 'the same close');
    await context.clock.advanceAsync(1000);
    await settle();
    assert.ok(a.error instanceof TimeoutError);
    assert.ok(closed.settled);
    // Acked at once: the close deadline leaves CLOSE_PRODUCER at least 1 ms.
    assert.equal(connection.requestTimeouts.at(-1), 1);
  });

  test('everything receipted in time: close resolves as usual; a bad timeoutMs is refused', async () => {
    const { producer, connection } = await setup({ sendTimeoutMs: 0 });
    await assert.rejects(producer.close({ timeoutMs: -1 }), InvalidArgumentError);
    await assert.rejects(producer.close({ timeoutMs: 1.5 }), InvalidArgumentError);
    assert.equal(producer.state, 'ready');
    const a = track(producer.send({ payload: bytes('a') }));
    const closed = track(producer.close({ timeoutMs: 1000 }));
    connection.receipt(0n);
    await settle();
    assert.ok(a.value !== undefined && closed.settled && closed.error === undefined);
    assert.equal(connection.requests.filter((c) => c.type === BaseCommand_Type.CLOSE_PRODUCER).length, 1);
  });
});

describe('keeping the process alive', () => {
  test('while sends are pending, through a reconnect backoff, and not when idle', async () => {
    const { context, producer, connection } = await setup({ sendTimeoutMs: 0 });
    assert.equal(context.clock.keptAlive, 0);
    const a = track(producer.send({ payload: bytes('a') }));
    assert.equal(context.clock.keptAlive, 1);
    connection.close();
    await context.clock.advanceAsync(50); // backoff: no socket open
    assert.equal(context.clock.keptAlive, 1);
    await context.clock.advanceAsync(50);
    context.connection(TOPIC).receipt(0n);
    await settle();
    assert.ok(a.value !== undefined);
    assert.equal(context.clock.keptAlive, 0);
    // A timed-out or failed send releases it too.
    const { context: other, producer: failing } = await setup({ sendTimeoutMs: 1000 });
    const b = track(failing.send({ payload: bytes('b') }));
    assert.equal(other.clock.keptAlive, 1);
    await other.clock.advanceAsync(1000);
    assert.ok(b.error instanceof TimeoutError);
    assert.equal(other.clock.keptAlive, 0);
  });
});
