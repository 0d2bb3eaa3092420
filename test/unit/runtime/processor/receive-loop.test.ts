// The receive loop takes messages only while there is room, and none after stop().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  AlreadyClosedError,
  EncryptedMessageError,
  type Message,
  type MessageId,
  MessageRefusedError,
} from '../../../../src/pulsar/index.ts';
import { Dispatcher, ReceiveLoop } from '../../../../src/runtime/processor/index.ts';
import { settle } from '../../../support/fake-clock.ts';
import { deferred, fakeMessage, MemoryLogger } from './fakes.ts';

/** A consumer's receive(): counts calls, answers from what the test pushes. */
class FakeSource {
  receives = 0;
  readonly nacked: (Message | MessageId)[] = [];
  negativeAcknowledge(message: Message | MessageId): void {
    this.nacked.push(message);
  }
  readonly #queue: Message[] = [];
  readonly #waiting: { resolve(m: Message): void; reject(e: unknown): void }[] = [];
  receive(): Promise<Message> {
    this.receives++;
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }
  push(message: Message): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) this.#queue.push(message);
    else waiter.resolve(message);
  }
  fail(error: unknown): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }
}

function setup(maxHeld: number) {
  const source = new FakeSource();
  const dispatcher = new Dispatcher({ concurrency: 1, maxHeld });
  const gates = new Map<Message, ReturnType<typeof deferred<void>>>();
  const handled: Message[] = [];
  const fatal: unknown[] = [];
  const systemExceptions: string[] = [];
  const logger = new MemoryLogger();
  const loop = new ReceiveLoop({
    source,
    dispatcher,
    handle: (message) => {
      handled.push(message);
      const gate = deferred<void>();
      gates.set(message, gate);
      return gate.promise;
    },
    ordering: 'none',
    logger,
    onFatal: (error) => fatal.push(error),
    onSystemException: (reason) => systemExceptions.push(reason),
  });
  return { source, dispatcher, gates, handled, fatal, loop, logger, systemExceptions };
}

describe('ReceiveLoop', () => {
  it('reports each message as it is taken, before it waits for its turn in its chain', async () => {
    const source = new FakeSource();
    const taken: Message[] = [];
    const handled: Message[] = [];
    const gate = deferred<void>();
    const loop = new ReceiveLoop({
      source,
      dispatcher: new Dispatcher({ concurrency: 1, maxHeld: 10 }),
      handle: async (message) => {
        handled.push(message);
        await gate.promise;
      },
      onTaken: (message) => taken.push(message),
      ordering: 'total',
      logger: new MemoryLogger(),
      onFatal: () => {},
    });
    const [a, b] = [fakeMessage(), fakeMessage()];
    source.push(a);
    source.push(b);
    loop.start();
    await settle();
    assert.deepEqual(taken, [a, b]);
    assert.deepEqual(handled, [a], 'b waits behind a');
    gate.resolve();
    await loop.stop();
  });

  it('stops receiving while maxHeld messages are held, and goes on when one settles', async () => {
    const s = setup(2);
    for (let i = 0; i < 5; i++) s.source.push(fakeMessage());
    s.loop.start();
    await settle();
    assert.equal(s.handled.length, 2);
    assert.equal(s.source.receives, 2, 'no receive() while full: the consumer grants no new permits');
    s.gates.get(s.handled[0]!)!.resolve();
    await settle();
    assert.equal(s.handled.length, 3);
    assert.equal(s.source.receives, 3);
    await s.loop.stop();
  });

  it('does not start a message that arrives after stop()', async () => {
    const s = setup(4);
    s.loop.start();
    await settle();
    assert.equal(s.source.receives, 1);
    await s.loop.stop();
    s.source.push(fakeMessage());
    await settle();
    assert.equal(s.handled.length, 0);
  });

  it('skips a refused message and reports a consumer failure as fatal', async () => {
    const s = setup(4);
    s.loop.start();
    await settle();
    s.source.fail(new MessageRefusedError('encrypted'));
    await settle();
    assert.equal(s.source.receives, 2);
    s.source.fail(new AlreadyClosedError('consumer'));
    await settle();
    assert.equal(s.fatal.length, 1);
  });

  it('negatively acknowledges an encrypted message it cannot read, logs its id and counts it', async () => {
    const s = setup(4);
    s.loop.start();
    await settle();
    const id = fakeMessage().messageId;
    s.source.fail(new EncryptedMessageError('persistent://public/default/in', id, ['key-a']));
    await settle();
    assert.deepEqual(s.source.nacked, [id]);
    assert.equal(s.systemExceptions.length, 1);
    assert.ok(s.logger.lines.some((l) => l.level === 'error' && l.message.includes(id.toString())));
    assert.equal(s.source.receives, 2, 'the loop goes on');
    await s.loop.stop();
  });

  it('does not report the close that stop() causes', async () => {
    const s = setup(4);
    s.loop.start();
    await settle();
    await s.loop.stop();
    s.source.fail(new AlreadyClosedError('consumer'));
    await settle();
    assert.equal(s.fatal.length, 0);
  });
});

describe('ReceiveLoop memory', () => {
  it('keeps no reference to messages it has handed over', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const source = new FakeSource();
    const loop = new ReceiveLoop({
      source,
      dispatcher: new Dispatcher({ concurrency: 1, maxHeld: 2 }),
      handle: async () => {},
      ordering: 'none',
      logger: new MemoryLogger(),
      onFatal: (error) => assert.fail(String(error)),
    });
    loop.start();
    const refs: WeakRef<Message>[] = [];
    for (let i = 0; i < 200; i++) {
      const message = fakeMessage();
      refs.push(new WeakRef(message));
      source.push(message);
      await settle();
    }
    await settle();
    gc();
    await settle();
    gc();
    const alive = refs.filter((ref) => ref.deref() !== undefined).length;
    assert.ok(alive <= 2, `${alive} handled messages are still referenced`);
    await loop.stop();
  });
});
