// The processor's paths: publish-then-ack, filters, routing, retries, dead letters, at-most-once, draining.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadLetterProperty, Disposition } from '../../../../src/runtime/processor/index.ts';
import { settle } from '../../../support/fake-clock.ts';
import { deferred, failure, fakeMessage, outputFor, success } from './fakes.ts';
import { harness } from './harness.ts';

const OUT = 'persistent://public/default/out';
const DLQ = 'persistent://public/default/in-public-default-f-DLQ';

describe('Processor, at-least-once', () => {
  it('publishes the output with the input key, properties and event time, then acknowledges', async () => {
    const h = harness();
    const message = fakeMessage({ key: 'k1', properties: { a: '1' }, eventTime: 42 });
    const disposition = await h.processor.handle(message);
    assert.equal(disposition, Disposition.Acknowledged);
    assert.equal(h.producers.sent.length, 1);
    const sent = h.producers.sent[0]!;
    assert.equal(sent.topic, OUT);
    assert.deepEqual(Buffer.from(sent.message.payload).toString(), 'out');
    assert.equal(sent.message.key, 'k1');
    assert.deepEqual(sent.message.properties, { a: '1' });
    assert.equal(sent.message.eventTime, 42);
    assert.deepEqual(h.input.acked, [message]);
    assert.equal(h.metrics.counts.processed, 1);
    assert.equal(h.metrics.counts.received, 1);
  });

  it('acknowledges only after every receipt', async () => {
    const h = harness();
    h.producers.holdReceipts = true;
    h.executor.behaviour = async (i) => ({
      ...outputFor(i, 'out'),
      extraMessages: [{ topic: 'other', payload: Buffer.from('x'), key: undefined, properties: {} }],
    });
    const message = fakeMessage();
    const handled = h.processor.handle(message);
    await settle();
    assert.equal(h.producers.sent.length, 2);
    assert.equal(h.input.acked.length, 0);
    h.producers.held[1]!.resolve(fakeMessage().messageId);
    await settle();
    assert.equal(h.input.acked.length, 0, 'one receipt is still missing');
    h.producers.held[0]!.resolve(fakeMessage().messageId);
    assert.equal(await handled, Disposition.Acknowledged);
    const last = h.journal.entries.slice(-3);
    assert.equal(last[2], `ack ${message.messageId.toString()}`);
  });

  it('publishes nothing for empty stdout (a filter), and still acknowledges', async () => {
    const h = harness();
    h.executor.behaviour = async () => success();
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.Acknowledged);
    assert.equal(h.producers.sent.length, 0);
    assert.equal(h.input.acked.length, 1);
  });

  it('discards stdout without an output topic, but publishes extra messages', async () => {
    const h = harness({ PF_OUTPUT: '' });
    h.executor.behaviour = async (i) => ({
      ...outputFor(i, 'dropped'),
      extraMessages: [{ topic: 'side', payload: Buffer.from('x'), key: 'k', properties: { p: 'v' } }],
    });
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.Acknowledged);
    assert.deepEqual(
      h.producers.sent.map((s) => s.topic),
      ['persistent://public/default/side'],
    );
    assert.equal(h.producers.sent[0]!.message.key, 'k');
  });

  it("routes the output where the script says, in the script's order", async () => {
    const h = harness();
    h.executor.behaviour = async (i) => ({
      ...outputFor(i, 'routed', 't2/ns/special'),
      extraMessages: [
        { topic: 'a', payload: Buffer.from('1'), key: undefined, properties: {} },
        { topic: 'persistent://public/default/b', payload: Buffer.from('2'), key: undefined, properties: {} },
      ],
    });
    await h.processor.handle(fakeMessage());
    assert.deepEqual(
      h.producers.sent.map((s) => s.topic),
      ['persistent://t2/ns/special', 'persistent://public/default/a', 'persistent://public/default/b'],
    );
  });

  it('negatively acknowledges a failed run and counts a user exception', async () => {
    const h = harness();
    h.executor.behaviour = async () => failure();
    const message = fakeMessage();
    assert.equal(await h.processor.handle(message), Disposition.NegativelyAcknowledged);
    assert.deepEqual(h.input.nacked, [message]);
    assert.equal(h.input.acked.length, 0);
    assert.equal(h.metrics.counts.userException, 1);
    assert.equal(h.metrics.counts.retried, 1);
    const line = h.logger.lines.find((l) => l.level === 'warn')!;
    assert.match(line.message, /exited with code 1; redelivery in 5000 ms/);
    assert.equal(line.fields.exitCode, 1);
    assert.equal(line.fields.stderrTail, 'boom\n');
  });

  it('dead-letters once the retries are used up, everything intact, then acknowledges', async () => {
    const h = harness({ PF_MAX_MESSAGE_RETRIES: '2' });
    h.executor.behaviour = async () => failure({ exitCode: 3, reason: 'the script exited with code 3' });
    const message = fakeMessage({
      key: 'k',
      properties: { a: '$(touch /tmp/x)' },
      eventTime: 7,
      payload: Buffer.from([0, 255, 10]),
      redeliveryCount: 2,
    });
    assert.equal(await h.processor.handle(message), Disposition.DeadLettered);
    assert.equal(h.producers.sent.length, 1);
    const letter = h.producers.sent[0]!;
    assert.equal(letter.topic, DLQ);
    assert.deepEqual(Buffer.from(letter.message.payload), Buffer.from([0, 255, 10]));
    assert.equal(letter.message.key, 'k');
    assert.equal(letter.message.eventTime, 7);
    const p = letter.message.properties!;
    assert.equal(p.a, '$(touch /tmp/x)');
    assert.equal(p[DeadLetterProperty.ExitCode], '3');
    assert.equal(p[DeadLetterProperty.Failure], 'exit-code');
    assert.equal(p[DeadLetterProperty.StderrTail], 'boom\n');
    assert.equal(p[DeadLetterProperty.Fqfn], 'public/default/f');
    assert.equal(p[DeadLetterProperty.OriginalTopic], 'persistent://public/default/in');
    assert.equal(p[DeadLetterProperty.OriginalMessageId], message.messageId.toString());
    assert.equal(p[DeadLetterProperty.RedeliveryCount], '2');
    assert.equal(p[DeadLetterProperty.RealTopic], 'persistent://public/default/in');
    assert.deepEqual(h.input.acked, [message]);
    assert.equal(h.input.nacked.length, 0);
    assert.equal(h.metrics.counts.deadLettered, 1);
    assert.deepEqual(h.journal.entries.slice(-3), [
      `send ${DLQ}`,
      `receipt ${DLQ}`,
      `ack ${message.messageId.toString()}`,
    ]);
  });

  it('dead-letters a permanent failure at once', async () => {
    const h = harness();
    h.executor.behaviour = async () =>
      failure({ outcome: 'permanent-failure', exitCode: 100, failureCode: 'permanent-exit-code' });
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.DeadLettered);
    assert.equal(h.producers.sent[0]!.message.properties![DeadLetterProperty.Failure], 'permanent-exit-code');
  });

  it('retries forever with -1, however often redelivered', async () => {
    const h = harness({ PF_MAX_MESSAGE_RETRIES: '-1' });
    h.executor.behaviour = async () => failure();
    assert.equal(
      await h.processor.handle(fakeMessage({ redeliveryCount: 1000 })),
      Disposition.NegativelyAcknowledged,
    );
  });

  it('never acknowledges when publishing fails: negative ack and a system exception', async () => {
    const h = harness();
    h.producers.failTopics.add(OUT);
    const message = fakeMessage();
    assert.equal(await h.processor.handle(message), Disposition.NegativelyAcknowledged);
    assert.equal(h.input.acked.length, 0);
    assert.equal(h.metrics.counts.systemException, 1);
    assert.equal(h.metrics.counts.processed, undefined);
    assert.ok(h.logger.lines.some((l) => /publishing to .*out failed: broker refused/.test(l.message)));
  });

  it('dead-letters a message whose results cannot be published once retries are used up', async () => {
    const h = harness({ PF_MAX_MESSAGE_RETRIES: '0' });
    h.producers.failCreate.add(OUT);
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.DeadLettered);
    assert.equal(h.producers.sent[0]!.message.properties![DeadLetterProperty.Failure], 'publish-failed');
  });

  it('negatively acknowledges when the dead letter cannot be published', async () => {
    const h = harness({ PF_MAX_MESSAGE_RETRIES: '0' });
    h.executor.behaviour = async () => failure();
    h.producers.failTopics.add(DLQ);
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.NegativelyAcknowledged);
    assert.equal(h.input.acked.length, 0);
  });

  it('treats a route to an invalid topic name as a failure of the script', async () => {
    const h = harness();
    h.executor.behaviour = async (i) => outputFor(i, 'x', 'not a topic');
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.NegativelyAcknowledged);
    assert.equal(h.metrics.counts.userException, 1);
    assert.equal(h.producers.sent.length, 0);
  });
});

describe('Processor, at-most-once', () => {
  it('acknowledges before the script runs, and drops a failure', async () => {
    const h = harness({ PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE' });
    h.executor.behaviour = async () => failure();
    const message = fakeMessage();
    assert.equal(await h.processor.handle(message), Disposition.Dropped);
    const id = message.messageId.toString();
    assert.deepEqual(h.journal.entries, [`ack ${id}`, `run ${id}`]);
    assert.equal(h.input.nacked.length, 0);
  });
});

describe('Processor, retries in place', () => {
  it('keeps per-key order: retries after the delay with the redelivery count raised', async () => {
    const h = harness({ PF_RETAIN_KEY_ORDERING: 'true' });
    let runs = 0;
    h.executor.behaviour = async (i) => (++runs === 1 ? failure() : outputFor(i, 'ok'));
    const handled = h.processor.handle(fakeMessage({ key: 'k', redeliveryCount: 1 }));
    await settle();
    assert.equal(runs, 1);
    await h.clock.advanceAsync(4_999);
    assert.equal(runs, 1);
    await h.clock.advanceAsync(1);
    assert.equal(await handled, Disposition.Acknowledged);
    assert.deepEqual(
      h.executor.invocations.map((i) => i.redeliveryCount),
      [1, 2],
    );
    assert.equal(h.input.nacked.length, 0);
    assert.deepEqual(h.producers.flushes, [OUT], 'ordered delivery flushes instead of waiting for the batch');
  });

  it('dead-letters in place after the retries, counting them', async () => {
    const h = harness({ PF_RETAIN_ORDERING: 'true', PF_MAX_MESSAGE_RETRIES: '1' });
    h.executor.behaviour = async () => failure();
    const handled = h.processor.handle(fakeMessage());
    await settle();
    await h.clock.advanceAsync(5_000);
    assert.equal(await handled, Disposition.DeadLettered);
    assert.equal(h.executor.invocations.length, 2);
    assert.equal(h.producers.sent[0]!.message.properties![DeadLetterProperty.RedeliveryCount], '1');
  });

  it('leaves a message waiting for its retry when the instance aborts', async () => {
    const h = harness({ PF_RETAIN_ORDERING: 'true' });
    h.executor.behaviour = async () => failure();
    const handled = h.processor.handle(fakeMessage());
    await settle();
    h.processor.abort();
    assert.equal(await handled, Disposition.Abandoned);
    assert.equal(h.input.acked.length + h.input.nacked.length, 0);
  });
});

describe('Processor, draining', () => {
  it('leaves a message not yet started for redelivery', async () => {
    const h = harness();
    h.processor.drain();
    assert.equal(await h.processor.handle(fakeMessage()), Disposition.Abandoned);
    assert.equal(h.executor.invocations.length, 0);
    assert.equal(h.input.acked.length + h.input.nacked.length, 0);
    assert.equal(h.metrics.counts.received, undefined);
  });

  it('lets a running message finish and acknowledges it', async () => {
    const h = harness();
    let release!: () => void;
    h.executor.behaviour = (i) =>
      new Promise((resolve) => {
        release = () => resolve(outputFor(i, 'late'));
      });
    const handled = h.processor.handle(fakeMessage());
    await settle();
    h.processor.drain();
    release();
    assert.equal(await handled, Disposition.Acknowledged);
  });

  it('never acknowledges a message whose script was aborted', async () => {
    const h = harness();
    h.executor.behaviour = (_i, signal) =>
      new Promise((resolve) => {
        signal!.addEventListener('abort', () => resolve(failure({ aborted: true, failureCode: 'aborted' })));
      });
    const handled = h.processor.handle(fakeMessage());
    await settle();
    h.processor.abort();
    assert.equal(await handled, Disposition.Abandoned);
    assert.equal(h.input.acked.length + h.input.nacked.length, 0);
  });
});

describe('Processor, unexpected errors', () => {
  it('negatively acknowledges a message whose handling threw, and counts a system exception', async () => {
    const h = harness();
    h.input.acknowledge = async () => {
      throw new Error('the consumer broke');
    };
    const message = fakeMessage();
    assert.equal(await h.processor.handle(message), Disposition.NegativelyAcknowledged);
    assert.deepEqual(h.input.nacked, [message]);
    assert.equal(h.metrics.counts.systemException, 1);
    assert.ok(h.logger.lines.some((l) => l.level === 'error' && /unexpected/.test(l.message)));
  });

  it('leaves it unacknowledged when the throw comes while draining', async () => {
    const h = harness();
    const held = deferred<void>();
    h.input.acknowledge = async () => {
      await held.promise;
      throw new Error('the consumer broke');
    };
    const handled = h.processor.handle(fakeMessage());
    await settle();
    h.processor.drain();
    held.resolve();
    assert.equal(await handled, Disposition.Abandoned);
    assert.deepEqual(h.input.nacked, []);
  });
});

describe('Processor, draining', () => {
  it('ends a retry-in-place wait at drain(): the message is left for redelivery at once', async () => {
    const h = harness({ PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' });
    h.executor.behaviour = async () => failure({ exitCode: 1 });
    const handled = h.processor.handle(fakeMessage());
    await settle();
    assert.equal(h.executor.invocations.length, 1);
    h.processor.drain();
    // No clock advance: the wait ends with the drain, not with the retry delay.
    assert.equal(await handled, Disposition.Abandoned);
    assert.equal(h.executor.invocations.length, 1);
    assert.deepEqual(h.input.nacked, []);
  });
});
