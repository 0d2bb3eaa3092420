// Failover hands an input partition to another instance: what this instance holds of it — waiting, running,
// waiting for a retry — is neither published nor acknowledged, the effectively-once producer of the partition is
// closed and not created again, and all resumes once the partition comes back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Producer, ProducerOptions } from '../../../../src/pulsar/index.ts';
import type { InvocationResult } from '../../../../src/runtime/function-executor/index.ts';
import { partitionHandover } from '../../../../src/runtime/instance/index.ts';
import {
  type Dispatcher,
  Disposition,
  effectivelyOnceProducerName,
  PartitionOwnership,
  Processor,
} from '../../../../src/runtime/processor/index.ts';
import { ProducerManager } from '../../../../src/runtime/topic-manager/index.ts';
import { settle } from '../../../support/fake-clock.ts';
import { deferred, fakeMessage, outputFor } from './fakes.ts';
import { harness } from './harness.ts';

const EO = { PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' };
const P0 = 'persistent://public/default/in-partition-0';
const P1 = 'persistent://public/default/in-partition-1';

describe('PartitionOwnership', () => {
  it('holds a message until its partition is lost, and never again after, even once the partition is back', () => {
    const ownership = new PartitionOwnership();
    const before = fakeMessage({ topic: P1 });
    const other = fakeMessage({ topic: P0 });
    ownership.take(before);
    ownership.take(other);
    assert.equal(ownership.holds(before), true);
    assert.equal(ownership.lose(P1), true);
    assert.equal(ownership.lose(P1), false, 'already lost');
    const whileLost = fakeMessage({ topic: P1 });
    ownership.take(whileLost);
    assert.equal(ownership.regain(P1), true);
    const after = fakeMessage({ topic: P1 });
    ownership.take(after);
    assert.equal(ownership.holds(before), false, 'the broker sends it again after its rewind');
    assert.equal(ownership.holds(whileLost), false);
    assert.equal(ownership.holds(after), true);
    assert.equal(ownership.holds(other), true, 'other partitions are untouched');
  });

  it('tells listeners of each loss once', () => {
    const ownership = new PartitionOwnership();
    const heard: string[] = [];
    const stop = ownership.onLoss((topic) => heard.push(topic));
    ownership.lose(P0);
    ownership.lose(P0);
    ownership.regain(P0);
    ownership.lose(P0);
    stop();
    ownership.lose(P1);
    assert.deepEqual(heard, [P0, P0]);
  });
});

/** A client whose producers record what they send; creation requests are recorded too. */
class RecordingClient {
  readonly requests: string[] = [];
  readonly closed: string[] = [];
  readonly sent: string[] = [];
  async createProducer(options: ProducerOptions): Promise<Producer> {
    const name = options.producerName ?? 'generated';
    this.requests.push(name);
    const client = this;
    let open = true;
    return {
      topic: options.topic,
      producerName: name,
      lastSequenceId: -1n,
      async send(message) {
        if (!open) throw new Error('producer closed');
        client.sent.push(`${name} ${Buffer.from(message.payload).toString()}`);
        return fakeMessage().messageId;
      },
      flush: async () => {},
      async close() {
        open = false;
        client.closed.push(name);
      },
    };
  }
}

/** The processor wired as the instance wires it: real ProducerManager, ownership, handover. */
function wired(env: Record<string, string> = EO) {
  const h = harness(env);
  const client = new RecordingClient();
  const producers = new ProducerManager({ client, logger: h.logger });
  const ownership = new PartitionOwnership();
  const fqfn = h.config.function.fqfn;
  const handover = partitionHandover({
    ownership,
    producers,
    producerNameOf: h.policy.effectivelyOnce
      ? (inputTopic) => effectivelyOnceProducerName(fqfn, inputTopic)
      : undefined,
    logger: h.logger,
  });
  const processor = new Processor({
    executor: h.executor,
    input: h.input,
    producers,
    policy: h.policy,
    pool: h.dispatcher,
    fqfn,
    instanceId: h.config.function.instanceId,
    clock: h.clock,
    logger: h.logger,
    metrics: h.metrics,
    ownership,
  });
  const nameOf = (topic: string) => effectivelyOnceProducerName(fqfn, topic);
  return { ...h, client, producers, ownership, handover, processor, nameOf };
}

describe('Processor, partition lost to another consumer (effectively-once)', () => {
  it('abandons the message whose script runs as the partition goes: no output, no ack, producer not re-created', async () => {
    const w = wired();
    // The partition's producer exists already, from an earlier message.
    assert.equal(
      await w.processor.handle(fakeMessage({ topic: P1, payload: 'earlier' })),
      Disposition.Acknowledged,
    );
    const gate = deferred<InvocationResult>();
    w.executor.behaviour = () => gate.promise;
    const running = w.processor.handle(fakeMessage({ topic: P1, payload: 'held' }));
    await settle();
    w.handover(false, 1, P1);
    await settle();
    assert.deepEqual(w.client.closed, [w.nameOf(P1)], 'the new owner needs the name');
    gate.resolve(outputFor(w.executor.invocations[1]!, 'held out'));
    assert.equal(await running, Disposition.Abandoned);
    await w.clock.advanceAsync(60_000);
    assert.deepEqual(w.client.requests, [w.nameOf(P1)], 'never created again while lost');
    assert.deepEqual(w.client.sent, [`${w.nameOf(P1)} out`]);
    assert.equal(w.executor.invocations.length, 2, 'not retried');
    assert.equal(w.input.acked.length, 1);
    assert.equal(w.input.nacked.length, 0);
    assert.ok(w.logger.lines.some((l) => /partition moved to another consumer/.test(l.message)));
  });

  it('ends a retry wait at once and abandons the message, instead of retrying in place forever', async () => {
    const w = wired();
    let failing = true;
    w.executor.behaviour = async (i) =>
      failing
        ? { ...outputFor(i, 'x'), outcome: 'failure', exitCode: 1, reason: 'boom' }
        : outputFor(i, 'ok');
    const message = fakeMessage({ topic: P1 });
    const handled = w.processor.handle(message);
    await settle();
    assert.equal(w.executor.invocations.length, 1);
    w.handover(false, 1, P1);
    // No time passes: the 5 s wait ends with the loss.
    assert.equal(await handled, Disposition.Abandoned);
    failing = false;
    await w.clock.advanceAsync(60_000);
    assert.equal(w.executor.invocations.length, 1);
    assert.deepEqual([w.input.acked.length, w.input.nacked.length, w.client.sent.length], [0, 0, 0]);
    assert.match(w.logger.lines.at(-1)!.message, /its partition moved to another consumer/);
  });

  it('abandons what waits in the chain, then resumes with what comes once the partition is back', async () => {
    const w = wired();
    const gate = deferred<InvocationResult>();
    w.executor.behaviour = () => gate.promise;
    const first = fakeMessage({ topic: P1, payload: 'first' });
    const queued = fakeMessage({ topic: P1, payload: 'queued' });
    const otherPartition = fakeMessage({ topic: P0, payload: 'other' });
    // Taken as the receive loop takes them (onTaken), before each waits for its turn.
    for (const m of [first, queued, otherPartition]) w.processor.taken(m);
    const results = [first, queued, otherPartition].map((m) =>
      chained(w.dispatcher, () => w.processor.handle(m)),
    );
    await settle();
    w.handover(false, 1, P1);
    // Back before the queued message's turn: it was taken before the loss, so it is stale all the same.
    w.handover(true, 1, P1);
    w.executor.behaviour = async (i) => outputFor(i, `${Buffer.from(i.payload).toString()} out`);
    gate.resolve(outputFor(w.executor.invocations[0]!, 'first out'));
    assert.deepEqual(await Promise.all(results), [
      Disposition.Abandoned,
      Disposition.Abandoned,
      Disposition.Acknowledged,
    ]);
    const fresh = fakeMessage({ topic: P1, payload: 'fresh' });
    w.processor.taken(fresh);
    assert.equal(await w.processor.handle(fresh), Disposition.Acknowledged);
    assert.deepEqual(w.client.sent, [`${w.nameOf(P0)} other out`, `${w.nameOf(P1)} fresh out`]);
    assert.deepEqual(
      w.input.acked.map((m) => Buffer.from(m.payload).toString()),
      ['other', 'fresh'],
    );
  });

  it('still finishes an at-most-once message, acknowledged on receipt: nobody else gets it', async () => {
    const w = wired({ PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE', PF_SUBSCRIPTION_TYPE: 'Failover' });
    const gate = deferred<InvocationResult>();
    w.executor.behaviour = () => gate.promise;
    const running = w.processor.handle(fakeMessage({ topic: P1, payload: 'amo' }));
    await settle();
    w.handover(false, 1, P1);
    gate.resolve(outputFor(w.executor.invocations[0]!, 'amo out'));
    assert.equal(await running, Disposition.Acknowledged);
    assert.deepEqual(w.client.sent, ['generated amo out']);
  });
});

/** Submits to the dispatcher in one chain, as total order does; resolves with the disposition. */
function chained(dispatcher: Dispatcher, handle: () => Promise<Disposition>): Promise<Disposition> {
  const done = deferred<Disposition>();
  dispatcher.submit(
    'all',
    async () => {
      done.resolve(await handle());
    },
    done.reject,
  );
  return done.promise;
}
