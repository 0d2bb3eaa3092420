// BatchAckTracker and PendingAcks on their own: entry acks after the last member, cumulative rules, what is
// forgotten after the prefetch queue is dropped, and acks kept while disconnected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AckBatch, BatchAckTracker, PendingAcks } from '../../../../src/pulsar/consumer/ack-tracker.ts';
import { NegativeAcks } from '../../../../src/pulsar/consumer/negative-acks.ts';
import { PulsarMessageId } from '../../../../src/pulsar/message-id.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

const member = (entry: bigint, index: number, size = 3) => new PulsarMessageId(1n, entry, -1, index, size);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the entry is returned once its last outstanding member is acked', () => {
  const tracker = new BatchAckTracker();
  assert.equal(
    tracker.register(1n, 7n, 3, () => false),
    false,
  );
  assert.equal(tracker.acknowledge(member(7n, 2)), undefined);
  assert.equal(tracker.acknowledge(member(7n, 2)), undefined, 'acking twice changes nothing');
  assert.equal(tracker.acknowledge(member(7n, 0)), undefined);
  assert.equal(tracker.acknowledge(member(7n, 1))?.toString(), '1:7:-1:-1');
  assert.equal(tracker.trackedBatches, 0);
  // Not tracked (any more): the whole entry.
  assert.equal(tracker.acknowledge(member(7n, 1))?.toString(), '1:7:-1:-1');
  assert.equal(tracker.acknowledge(new PulsarMessageId(1n, 8n))?.toString(), '1:8:-1:-1');
});

test('cumulative: previous entry once while the batch is incomplete, then the entry; older batches dropped', () => {
  const tracker = new BatchAckTracker();
  tracker.register(1n, 4n, 3, () => false);
  tracker.register(1n, 5n, 3, () => false);
  assert.equal(tracker.acknowledgeCumulative(member(5n, 0))?.toString(), '1:4:-1:-1');
  assert.equal(tracker.trackedBatches, 1, 'entry 4 is covered');
  assert.equal(tracker.acknowledgeCumulative(member(5n, 1)), undefined);
  assert.equal(tracker.acknowledgeCumulative(member(5n, 2))?.toString(), '1:5:-1:-1');
  assert.equal(tracker.trackedBatches, 0);
  tracker.register(1n, 0n, 2, () => false);
  assert.equal(tracker.acknowledgeCumulative(member(0n, 0, 2)), undefined, 'entry 0 has no previous entry');
});

test('after the queue is dropped, untouched batches are forgotten, partly acked ones kept', () => {
  const tracker = new BatchAckTracker();
  tracker.register(1n, 1n, 2, () => false);
  tracker.register(1n, 2n, 2, () => false);
  tracker.register(1n, 3n, 2, () => false);
  tracker.acknowledge(member(2n, 0, 2));
  tracker.forgetUntouched(1n, 1n, 2);
  tracker.forgetUntouched(1n, 2n, 1);
  tracker.forgetUntouched(1n, 3n, 1); // one member is in the application's hands
  assert.equal(tracker.trackedBatches, 2);
  assert.equal(tracker.isAcked(1n, 2n, 0), true);
});

test('PendingAcks groups one turn into one batch and keeps acks while flushing fails', async () => {
  const sent: AckBatch[] = [];
  let connected = false;
  const pending = new PendingAcks((batch) => {
    if (!connected) return false;
    sent.push(batch);
    return true;
  });
  pending.addIndividual(new PulsarMessageId(1n, 1n));
  pending.addIndividual(new PulsarMessageId(1n, 1n));
  pending.addCumulative(new PulsarMessageId(1n, 3n));
  pending.addCumulative(new PulsarMessageId(1n, 2n));
  await tick();
  assert.equal(sent.length, 0);
  assert.equal(pending.size, 2);
  connected = true;
  pending.flushNow();
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0]!.individual.map(String), ['1:1:-1:-1']);
  assert.equal(sent[0]!.cumulative?.toString(), '1:3:-1:-1');
  assert.equal(pending.size, 0);
});

test('NegativeAcks: one timer, due entries together, an entry nacked twice keeps its first deadline', () => {
  const clock = new FakeClock();
  const batches: string[][] = [];
  const nacks = new NegativeAcks(clock, 100, (entries) => batches.push(entries.map(String)));
  nacks.add(new PulsarMessageId(1n, 1n));
  clock.advance(50);
  nacks.add(new PulsarMessageId(1n, 2n));
  nacks.add(new PulsarMessageId(1n, 1n));
  assert.equal(clock.pendingTimers, 1);
  clock.advance(50);
  assert.deepEqual(batches, [['1:1:-1:-1']]);
  clock.advance(50);
  assert.deepEqual(batches, [['1:1:-1:-1'], ['1:2:-1:-1']]);
  assert.equal(clock.pendingTimers, 0);
});
