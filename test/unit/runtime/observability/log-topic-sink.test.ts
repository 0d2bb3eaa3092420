// LogTopicSink with a fake producer: Pulsar's message format and producer settings, the bounded queue that
// drops the oldest line (counted) while the log topic is slow or absent, the bound on outstanding sends,
// send failures, producer creation retried on a fake clock, and close().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionType } from '../../../../src/pulsar/index.ts';
import {
  type DropReason,
  LogTopicSink,
  type LogTopicSinkOptions,
} from '../../../../src/runtime/logging/index.ts';
import { FakeClock, settle } from '../../../support/fake-clock.ts';
import { FakeClient } from './support.ts';

const TOPIC = 'persistent://public/default/reverse-log';

function sinkWith(client: FakeClient, options: Partial<LogTopicSinkOptions> = {}) {
  const drops: [number, DropReason][] = [];
  const clock = new FakeClock();
  const sink = new LogTopicSink({
    client,
    topic: TOPIC,
    fqn: 'public/default/reverse',
    instanceId: 3,
    clock,
    onDropped: (count, reason) => drops.push([count, reason]),
    ...options,
  });
  return { sink, drops, clock };
}

describe('LogTopicSink', () => {
  it("sends each line as Pulsar's LogAppender does: text payload, loglevel/instance/fqn properties", async () => {
    const client = new FakeClient();
    const { sink } = sinkWith(client);
    assert.equal(await sink.start(), true);
    const producer = client.producers[0]!;
    assert.deepEqual(producer.options, {
      topic: TOPIC,
      batchingEnabled: true,
      batchingMaxPublishDelayMs: 100,
      compressionType: CompressionType.LZ4,
      blockIfQueueFull: false,
      maxPendingMessages: 100,
      sendTimeoutMs: 30_000,
      properties: { function: 'public/default/reverse' },
    });

    sink.publish('INFO', 'started with concurrency 4');
    sink.publish('WARN', 'dünn: ünïcode ✓');
    await settle();
    producer.receipt();
    await settle();
    assert.deepEqual(
      producer.sent.map((m) => ({ text: Buffer.from(m.payload).toString('utf8'), properties: m.properties })),
      [
        {
          text: 'started with concurrency 4',
          properties: { loglevel: 'INFO', instance: '3', fqn: 'public/default/reverse' },
        },
        {
          text: 'dünn: ünïcode ✓',
          properties: { loglevel: 'WARN', instance: '3', fqn: 'public/default/reverse' },
        },
      ],
    );
    assert.equal(producer.sent[0]!.key, undefined);
    assert.deepEqual(sink.stats(), {
      state: 'open',
      queued: 0,
      inFlight: 0,
      published: 2,
      dropped: { 'queue-full': 0, 'send-failed': 0, closed: 0 },
    });
  });

  it('queues lines before the producer exists, dropping the oldest beyond the bound', async () => {
    const client = new FakeClient();
    let open: () => void = () => {};
    client.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { sink, drops } = sinkWith(client, { maxQueuedLines: 3 });
    const started = sink.start();
    for (let i = 1; i <= 5; i++) sink.publish('INFO', `line ${i}`);
    assert.equal(sink.stats().queued, 3);
    assert.deepEqual(drops, [
      [1, 'queue-full'],
      [1, 'queue-full'],
    ]);
    open();
    await started;
    await settle();
    const producer = client.producers[0]!;
    producer.receipt();
    await settle();
    assert.deepEqual(
      producer.sent.map((m) => Buffer.from(m.payload).toString()),
      ['line 3', 'line 4', 'line 5'],
    );
    assert.equal(sink.stats().dropped['queue-full'], 2);
  });

  it('keeps at most maxInFlight sends outstanding and queues (bounded) behind them', async () => {
    const client = new FakeClient();
    const { sink, drops } = sinkWith(client, { maxInFlight: 2, maxQueuedLines: 2 });
    await sink.start();
    const producer = client.producers[0]!;
    assert.equal(producer.options.maxPendingMessages, 2);
    sink.publish('INFO', 'l1');
    sink.publish('INFO', 'l2');
    await settle();
    for (let i = 3; i <= 6; i++) sink.publish('INFO', `l${i}`);
    await settle();
    // Two outstanding, two waiting; l3 and l4 made room for l5 and l6.
    assert.equal(producer.pending.length, 2);
    assert.deepEqual(sink.stats(), {
      state: 'open',
      queued: 2,
      inFlight: 2,
      published: 0,
      dropped: { 'queue-full': 2, 'send-failed': 0, closed: 0 },
    });
    assert.equal(drops.length, 2);
    producer.receipt(1);
    await settle();
    assert.equal(producer.pending.length, 2);
    producer.receipt();
    await settle();
    producer.receipt();
    await settle();
    assert.deepEqual(
      producer.sent.map((m) => Buffer.from(m.payload).toString()),
      ['l1', 'l2', 'l5', 'l6'],
    );
  });

  it('counts failed sends as dropped and carries on', async () => {
    const client = new FakeClient();
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message),
      error() {},
      child() {
        return logger;
      },
    };
    const { sink, drops } = sinkWith(client, { logger });
    await sink.start();
    const producer = client.producers[0]!;
    sink.publish('ERROR', 'a');
    sink.publish('ERROR', 'b');
    sink.publish('ERROR', 'c');
    await settle();
    producer.fail(2);
    await settle();
    producer.receipt();
    await settle();
    assert.deepEqual(drops, [
      [1, 'send-failed'],
      [1, 'send-failed'],
    ]);
    assert.equal(sink.stats().published, 1);
    // One warning for the run of failures, not one per line.
    assert.deepEqual(warnings, ['log topic send failed; lines are dropped']);
  });

  it('retries creating the producer after retryDelayMs, keeping lines meanwhile', async () => {
    const client = new FakeClient(2);
    const { sink, clock } = sinkWith(client, { retryDelayMs: 1000 });
    assert.equal(await sink.start(), false);
    assert.equal(sink.state, 'connecting');
    sink.publish('INFO', 'waiting');
    await clock.advanceAsync(999);
    assert.equal(client.attempts, 1);
    await clock.advanceAsync(1);
    assert.equal(client.attempts, 2);
    await clock.advanceAsync(1000);
    assert.equal(client.attempts, 3);
    assert.equal(sink.state, 'open');
    await settle();
    const producer = client.producers[0]!;
    producer.receipt();
    await settle();
    assert.deepEqual(
      producer.sent.map((m) => Buffer.from(m.payload).toString()),
      ['waiting'],
    );
    await sink.close();
    assert.equal(clock.pendingTimers, 0);
  });

  it('flushes on close, then closes the producer and drops later lines', async () => {
    const client = new FakeClient();
    const { sink, drops } = sinkWith(client);
    await sink.start();
    const producer = client.producers[0]!;
    producer.autoReceipt = true;
    sink.publish('INFO', 'draining');
    sink.publish('INFO', 'bye');
    await sink.close();
    assert.equal(producer.closed, true);
    assert.deepEqual(
      producer.sent.map((m) => Buffer.from(m.payload).toString()),
      ['draining', 'bye'],
    );
    sink.publish('INFO', 'too late');
    assert.deepEqual(drops, [[1, 'closed']]);
    assert.equal(sink.state, 'closed');
    await sink.close();
  });

  it('gives up waiting at the close timeout and counts what was left', async () => {
    const client = new FakeClient();
    const { sink, drops, clock } = sinkWith(client, { maxInFlight: 1 });
    await sink.start();
    sink.publish('INFO', 'stuck');
    sink.publish('INFO', 'behind');
    await settle();
    const closed = sink.close(2000);
    await clock.advanceAsync(2000);
    await closed;
    assert.deepEqual(drops, [[1, 'closed']]);
    assert.equal(client.producers[0]!.closed, true);
  });

  it('drops what was queued when closed before the producer existed', async () => {
    const client = new FakeClient(1);
    const { sink, drops, clock } = sinkWith(client);
    await sink.start();
    sink.publish('INFO', 'never sent');
    await sink.close();
    assert.deepEqual(drops, [[1, 'closed']]);
    await clock.advanceAsync(10_000);
    assert.equal(client.attempts, 1);
  });

  it('closes a producer that arrives after close()', async () => {
    const client = new FakeClient();
    let open: () => void = () => {};
    client.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { sink } = sinkWith(client);
    const started = sink.start();
    await sink.close();
    open();
    assert.equal(await started, false);
    assert.equal(client.producers[0]!.closed, true);
  });

  it('survives an onDropped callback that throws', () => {
    const { sink } = sinkWith(new FakeClient(), {
      maxQueuedLines: 1,
      onDropped: () => {
        throw new Error('metrics broke');
      },
    });
    sink.publish('INFO', 'a');
    sink.publish('INFO', 'b');
    assert.equal(sink.stats().dropped['queue-full'], 1);
  });
});
