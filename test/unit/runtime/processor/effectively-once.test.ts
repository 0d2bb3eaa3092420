// Effectively-once: producer names per input partition, sequence ids from the input message id, and retries
// that repeat the same ids so the broker's deduplication drops what was already persisted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Disposition,
  effectivelyOnceProducerName,
  Processor,
  SequenceIdRangeError,
  sequenceAttempt,
  sequenceIdOf,
} from '../../../../src/runtime/processor/index.ts';
import { settle } from '../../../support/fake-clock.ts';
import { failure, fakeMessage, outputFor } from './fakes.ts';
import { harness } from './harness.ts';

const EO = { PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' };

describe('sequenceIdOf', () => {
  it('packs ledger, entry and slot so that later messages get higher ids', () => {
    assert.equal(sequenceIdOf(0n, 0n, 0), 0n);
    assert.equal(sequenceIdOf(1n, 0n, 0), 1n << 31n);
    assert.equal(sequenceIdOf(0n, 1n, 0), 1n << 13n);
    assert.equal(sequenceIdOf(0n, 0n, 1), 1n);
    const ordered = [
      sequenceIdOf(5n, 9n, 0),
      sequenceIdOf(5n, 9n, 8191),
      sequenceIdOf(5n, 10n, 0),
      sequenceIdOf(6n, 0n, 0),
      sequenceIdOf((1n << 32n) - 1n, (1n << 18n) - 1n, 8191),
    ];
    for (let i = 1; i < ordered.length; i++) assert.ok(ordered[i]! > ordered[i - 1]!);
    assert.ok(ordered.at(-1)! < 1n << 63n, 'stays positive as a Java long');
  });

  it('refuses ids beyond the layout', () => {
    assert.throws(() => sequenceIdOf(1n << 32n, 0n, 0), SequenceIdRangeError);
    assert.throws(() => sequenceIdOf(0n, 1n << 18n, 0), /entry id 262144 is not below 262144/);
    assert.throws(() => sequenceIdOf(0n, 0n, 8192), SequenceIdRangeError);
  });
});

describe('sequenceAttempt', () => {
  it('gives each member of a batch its own slots, however the entry comes back', () => {
    const member = (batchIndex: number) =>
      fakeMessage({ ledgerId: 3n, entryId: 4n, batchIndex, batchSize: 4 });
    // 8192 slots / 4 members = 2048 per member.
    const second = sequenceAttempt(member(1));
    assert.equal(second.next('out'), sequenceIdOf(3n, 4n, 2048));
    assert.equal(second.next('out'), sequenceIdOf(3n, 4n, 2049));
    assert.equal(second.next('side'), sequenceIdOf(3n, 4n, 2048));
    // The first member, coming (again) later, still sorts before the second.
    assert.ok(sequenceAttempt(member(0)).next('out') < sequenceIdOf(3n, 4n, 2048));
    assert.equal(sequenceAttempt(member(3)).next('out'), sequenceIdOf(3n, 4n, 3 * 2048));
  });

  it('repeats the same ids on a retry', () => {
    const message = fakeMessage({ ledgerId: 3n, entryId: 4n });
    const a = sequenceAttempt(message);
    const b = sequenceAttempt(message);
    assert.deepEqual([a.next('out'), a.next('out')], [b.next('out'), b.next('out')]);
  });

  it('refuses more messages to one topic than the slots of a member allow', () => {
    const attempt = sequenceAttempt(fakeMessage({ batchIndex: 0, batchSize: 4096 }));
    attempt.next('out');
    attempt.next('out');
    assert.throws(
      () => attempt.next('out'),
      /message number 3 to out from one input of a 4096-message batch/,
    );
  });
});

describe('Processor, effectively-once', () => {
  it('publishes through the producer of the input partition with derived sequence ids', async () => {
    const h = harness(EO);
    h.executor.behaviour = async (i) => ({
      ...outputFor(i, 'out'),
      extraMessages: [{ topic: 'side', payload: Buffer.from('s'), key: undefined, properties: {} }],
    });
    const message = fakeMessage({
      topic: 'persistent://public/default/in-partition-1',
      ledgerId: 9n,
      entryId: 2n,
    });
    assert.equal(await h.processor.handle(message), Disposition.Acknowledged);
    const name = effectivelyOnceProducerName(
      'public/default/f',
      'persistent://public/default/in-partition-1',
    );
    assert.deepEqual(
      h.producers.sent.map((s) => [s.topic, s.producerName, s.message.sequenceId]),
      [
        ['persistent://public/default/out', name, sequenceIdOf(9n, 2n, 0)],
        ['persistent://public/default/side', name, sequenceIdOf(9n, 2n, 0)],
      ],
    );
  });

  it('retries a failed publish in place with the same sequence ids, never dead-lettering', async () => {
    const h = harness(EO);
    h.producers.failTopics.add('persistent://public/default/out');
    const message = fakeMessage({ ledgerId: 9n, entryId: 3n, redeliveryCount: 50 });
    const handled = h.processor.handle(message);
    await settle();
    h.producers.failTopics.clear();
    await h.clock.advanceAsync(5_000);
    assert.equal(await handled, Disposition.Acknowledged);
    assert.deepEqual(
      h.producers.sent.map((s) => s.message.sequenceId),
      [sequenceIdOf(9n, 3n, 0), sequenceIdOf(9n, 3n, 0)],
    );
    assert.equal(h.input.nacked.length, 0);
  });

  it('keeps retrying a permanent failure, which it may not dead-letter', async () => {
    const h = harness(EO);
    h.executor.behaviour = async () => failure({ outcome: 'permanent-failure', exitCode: 100 });
    const handled = h.processor.handle(fakeMessage());
    await settle();
    await h.clock.advanceAsync(15_000);
    assert.equal(h.executor.invocations.length, 4);
    assert.ok(h.logger.lines.some((l) => /cannot be dead-lettered under EFFECTIVELY_ONCE/.test(l.message)));
    h.processor.abort();
    assert.equal(await handled, Disposition.Abandoned);
  });

  it('fails the instance, instead of retrying forever, when the outputs do not fit the sequence ids', async () => {
    const h = harness(EO);
    const fatal: string[] = [];
    const processor = new Processor({
      executor: h.executor,
      input: h.input,
      producers: h.producers,
      policy: h.policy,
      pool: h.dispatcher,
      fqfn: h.config.function.fqfn,
      instanceId: h.config.function.instanceId,
      clock: h.clock,
      logger: h.logger,
      metrics: h.metrics,
      onFatal: (reason) => fatal.push(reason),
    });
    // A member of a 4096-message batch has 2 slots per topic; the script fans out 3 messages to `out`.
    const extra = { topic: 'out', payload: Buffer.from('x'), key: undefined, properties: {} };
    h.executor.behaviour = async (i) => ({ ...outputFor(i, 'out'), extraMessages: [extra, extra] });
    const handled = processor.handle(fakeMessage({ batchIndex: 0, batchSize: 4096 }));
    await settle();
    await h.clock.advanceAsync(15_000);
    assert.equal(await handled, Disposition.Abandoned);
    assert.equal(h.executor.invocations.length, 1, 'not retried');
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]!, /sequence id/);
    assert.ok(h.logger.lines.some((l) => l.level === 'error' && /the instance has failed/.test(l.message)));
    assert.deepEqual(h.input.nacked, []);
  });
});
