// BatchAckTracker and PendingAcks on their own: entry acks after the last member, cumulative rules, what is
// forgotten after the prefetch queue is dropped, and acks kept while disconnected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AckBatch, BatchAckTracker, PendingAcks } from '../../../../src/pulsar/consumer/ack-tracker.ts';
import { NegativeAcks } from '../../../../src/pulsar/consumer/negative-acks.ts';
import { InvalidArgumentError } from '../../../../src/pulsar/errors.ts';
import { PulsarMessageId, parseMessageId } from '../../../../src/pulsar/message-id.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

const member = (entry: bigint, index: number, size = 3) => new PulsarMessageId(1n, entry, -1, index, size);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the entry is returned once its last outstanding member is acked', () => {
  const tracker = new BatchAckTracker(false);
  assert.equal(tracker.register(1n, 7n, 3, () => false).remaining, 3);
  assert.equal(tracker.acknowledge(member(7n, 2)), undefined);
  assert.equal(tracker.acknowledge(member(7n, 2)), undefined, 'acking twice changes nothing');
  assert.equal(tracker.acknowledge(member(7n, 0)), undefined);
  const last = member(7n, 1);
  assert.equal(tracker.acknowledge(last)?.entry.toString(), '1:7:-1:-1');
  assert.equal(tracker.trackedBatches, 0);
  // A non-batch id is its entry.
  assert.equal(tracker.acknowledge(new PulsarMessageId(1n, 8n))?.entry.toString(), '1:8:-1:-1');
});

test('an untracked batch member never acks its whole entry: the batch is rebuilt from batchSize', () => {
  const tracker = new BatchAckTracker(false);
  // Ids the application built (or kept across a forgotten batch): members 0 and 2 of a batch of 3.
  assert.equal(tracker.acknowledge(member(9n, 0)), undefined);
  assert.equal(tracker.trackedBatches, 1);
  assert.equal(tracker.acknowledge(member(9n, 2)), undefined);
  assert.equal(tracker.acknowledge(member(9n, 1))?.entry.toString(), '1:9:-1:-1', 'the last member acks it');
  // A batch of one is complete at once.
  assert.equal(tracker.acknowledge(member(10n, 0, 1))?.entry.toString(), '1:10:-1:-1');
  assert.equal(tracker.trackedBatches, 0);
});

test('a batch member without batchSize (parseMessageId) or outside its batch is refused', () => {
  const tracker = new BatchAckTracker(false);
  const parsed = parseMessageId('1:7:-1:1');
  assert.equal(parsed.batchSize, 0);
  for (const ack of [
    () => tracker.acknowledge(parsed),
    () => tracker.acknowledgeCumulative(parsed),
    () => tracker.acknowledge(member(7n, 3, 3)),
  ]) {
    assert.throws(ack, (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(error.field, 'messageId');
      return true;
    });
  }
  // Refused even while the batch is tracked: an ack must not work only until the next reconnect.
  tracker.register(1n, 7n, 3, () => false);
  assert.throws(() => tracker.acknowledge(parsed), InvalidArgumentError);
  assert.throws(() => tracker.acknowledge(member(7n, 0, 4)), /says its batch has 4 members/);
  assert.equal(tracker.register(1n, 7n, 3, () => false).remaining, 3, 'nothing was cleared');
  // A parsed id of a non-batch entry is fine.
  assert.equal(tracker.acknowledge(parseMessageId('1:8:-1:-1'))?.entry.toString(), '1:8:-1:-1');
});

test('an untracked cumulative ack inside a batch covers only the entry before it', () => {
  const tracker = new BatchAckTracker(false);
  assert.equal(tracker.acknowledgeCumulative(member(5n, 1))?.entry.toString(), '1:4:-1:-1');
  assert.equal(tracker.acknowledgeCumulative(member(5n, 1)), undefined);
  assert.equal(tracker.acknowledgeCumulative(member(5n, 2))?.entry.toString(), '1:5:-1:-1');
  assert.equal(tracker.trackedBatches, 0);
});

test('a delivered id keeps its batch: acks after the entry was forgotten or completed stay member acks', () => {
  const tracker = new BatchAckTracker(false);
  const state = tracker.register(1n, 3n, 2, () => false);
  const [m0, m1] = [member(3n, 0, 2), member(3n, 1, 2)];
  tracker.bind(m0, state);
  tracker.bind(m1, state);
  // Redelivered and registered anew with a different size: the old ids still reach their own state.
  tracker.register(1n, 3n, 5, () => false);
  assert.equal(tracker.acknowledge(m0), undefined);
  assert.equal(tracker.acknowledge(m1)?.entry.toString(), '1:3:-1:-1');
  assert.equal(tracker.acknowledge(m1), undefined, 'a second ack of a completed batch sends nothing');
  assert.equal(tracker.trackedBatches, 1, 'the newer state of the entry is not touched');
});

test('cumulative: previous entry once while the batch is incomplete, then the entry; older batches dropped', () => {
  const tracker = new BatchAckTracker(false);
  tracker.register(1n, 4n, 3, () => false);
  tracker.register(1n, 5n, 3, () => false);
  assert.equal(tracker.acknowledgeCumulative(member(5n, 0))?.entry.toString(), '1:4:-1:-1');
  assert.equal(tracker.trackedBatches, 1, 'entry 4 is covered');
  assert.equal(tracker.acknowledgeCumulative(member(5n, 1)), undefined);
  assert.equal(tracker.acknowledgeCumulative(member(5n, 2))?.entry.toString(), '1:5:-1:-1');
  assert.equal(tracker.trackedBatches, 0);
  tracker.register(1n, 0n, 2, () => false);
  assert.equal(tracker.acknowledgeCumulative(member(0n, 0, 2)), undefined, 'entry 0 has no previous entry');
});

test('after the queue is dropped, only batches none of whose members was handed out are forgotten', () => {
  const tracker = new BatchAckTracker(false);
  const states = [1n, 2n, 3n, 4n].map((entry) => tracker.register(1n, entry, 2, () => false));
  const ids = [1n, 2n, 3n, 4n].map((entry, i) => {
    const id = member(entry, 0, 2);
    tracker.bind(id, states[i]!);
    return id;
  });
  tracker.handedOut(ids[1]!);
  tracker.acknowledge(ids[1]!); // entry 2: acked
  tracker.handedOut(ids[2]!); // entry 3: in the application's hands, not acked
  // entry 4: the broker cleared member 1 in ack_set; nobody holds member 0.
  tracker.register(1n, 4n, 2, (i) => i === 1);
  for (const entry of [1n, 2n, 3n, 4n]) tracker.forgetUntouched(1n, entry);
  assert.equal(tracker.trackedBatches, 2);
  assert.equal(tracker.isAcked(1n, 2n, 0), true);
  assert.equal(tracker.isAcked(1n, 3n, 0), false);
  // Handed out twice over (redelivered, dropped again): still kept.
  tracker.register(1n, 3n, 2, () => false);
  tracker.forgetUntouched(1n, 3n);
  assert.equal(tracker.acknowledge(ids[2]!), undefined, 'member 1 of entry 3 is still out');
});

test('PendingAcks groups one turn into one batch and keeps acks while flushing fails', async () => {
  const sent: AckBatch[] = [];
  let connected = false;
  const pending = new PendingAcks((batch) => {
    if (!connected) return false;
    sent.push(batch);
    return true;
  });
  pending.addIndividual({ entry: new PulsarMessageId(1n, 1n) });
  pending.addIndividual({ entry: new PulsarMessageId(1n, 1n) });
  pending.addCumulative({ entry: new PulsarMessageId(1n, 3n) });
  pending.addCumulative({ entry: new PulsarMessageId(1n, 2n) });
  await tick();
  assert.equal(sent.length, 0);
  assert.equal(pending.size, 2);
  connected = true;
  pending.flushNow();
  assert.equal(sent.length, 1);
  assert.deepEqual(
    sent[0]!.individual.map((a) => String(a.entry)),
    ['1:1:-1:-1'],
  );
  assert.equal(sent[0]!.cumulative?.entry.toString(), '1:3:-1:-1');
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
