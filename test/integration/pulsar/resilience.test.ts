// Our producer and consumer through broker trouble in the middle of a stream: the topic unloaded through the
// admin API, the broker killed with SIGKILL and restarted, and a 4-partition topic unloaded. Both sides must
// recover by themselves and lose nothing: every sequence number arrives at least once. Delivery is at least
// once, so duplicates are allowed; they are counted and printed (stored twice = a resend the broker had
// already persisted; delivered again = the same entry redelivered after acks were lost).
// Runs on a broker of its own (test/support/test-broker.ts): killing the shared one would break other suites.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createClient } from '../../../src/pulsar/client.ts';
import {
  type Client,
  type Consumer,
  InitialPosition,
  type Message,
  type Producer,
} from '../../../src/pulsar/types.ts';
import { uniqueTopic } from '../../support/env.ts';
import { TestBroker, topicPath } from '../../support/test-broker.ts';

const broker = new TestBroker({ name: 'resilience', ports: { broker: 6660, http: 8090, bookie: 3190 } });

before(() => broker.start());
after(() => broker.stop());

/** Messages per stream, sent in ticks of `perTick` every `tickMs`: a stream of about two seconds. */
const COUNT = 3000;
const PER_TICK = 30;
const TICK_MS = 20;
/** The longest a stream may take, a broker restart included; the test fails rather than hang. */
const STREAM_DEADLINE_MS = 240_000;

interface StreamReport {
  sent: number;
  received: number;
  distinct: number;
  /** Receipts beyond the first for a sequence number. */
  duplicates: number;
  /** Sequence numbers stored in more than one entry (the producer resent what the broker already had). */
  storedTwice: number;
  /** Deliveries of a message id already delivered (a redelivery). */
  deliveredAgain: number;
  /** Messages that came with a redelivery count above zero. */
  redelivered: number;
  missing: number[];
  disruptedAfter: number;
  durationMs: number;
}

interface Stream {
  client: Client;
  producer: Producer;
  consumer: Consumer;
}

async function openStream(topic: string): Promise<Stream> {
  const client = createClient({ serviceUrl: broker.env.PULSAR_SERVICE_URL, operationTimeoutMs: 30_000 });
  const consumer = await client.subscribe({
    topic,
    subscription: 'resilience',
    subscriptionInitialPosition: InitialPosition.Earliest,
  });
  // No send timeout: messages wait in the queue while the broker is away, however long its restart takes.
  const producer = await client.createProducer({ topic, sendTimeoutMs: 0, batchingMaxPublishDelayMs: 5 });
  return { client, producer, consumer };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Streams COUNT numbered messages from producer to consumer and runs `disrupt` once a third has arrived,
 * while the producer is still sending. Resolves when every number arrived or the deadline passed.
 */
async function streamThrough(
  { producer, consumer }: Stream,
  disrupt: () => Promise<void>,
): Promise<StreamReport> {
  const started = Date.now();
  const deadline = started + STREAM_DEADLINE_MS;
  const seen = new Map<number, Set<string>>();
  let received = 0;
  let deliveredAgain = 0;
  let redelivered = 0;
  let disruptedAfter = -1;
  let disruption: Promise<void> | undefined;

  const sending = (async () => {
    const outstanding: Promise<unknown>[] = [];
    for (let seq = 0; seq < COUNT; seq++) {
      outstanding.push(
        producer.send({ payload: Buffer.from(`message ${seq}`), properties: { seq: String(seq) } }),
      );
      if ((seq + 1) % PER_TICK === 0) await sleep(TICK_MS);
    }
    // Rejects on the first failed send: with no send timeout, none may fail.
    await Promise.all(outstanding);
  })();

  const receiving = (async () => {
    while (seen.size < COUNT) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let message: Message;
      try {
        message = await consumer.receive(left);
      } catch (error) {
        if (Date.now() >= deadline) return;
        throw error;
      }
      received++;
      if (message.redeliveryCount > 0) redelivered++;
      const seq = Number(message.properties.seq);
      const ids = seen.get(seq) ?? new Set<string>();
      const id = message.messageId.toString();
      if (ids.has(id)) deliveredAgain++;
      ids.add(id);
      seen.set(seq, ids);
      await consumer.acknowledge(message);
      if (disruption === undefined && seen.size >= COUNT / 3) {
        disruptedAfter = seen.size;
        disruption = disrupt();
      }
    }
  })();

  await Promise.all([sending, receiving]);
  // Started inside the receive loop; it may still be running (a restart waits for the broker to be healthy).
  await disruption;
  const missing: number[] = [];
  for (let seq = 0; seq < COUNT; seq++) if (!seen.has(seq)) missing.push(seq);
  let storedTwice = 0;
  for (const ids of seen.values()) if (ids.size > 1) storedTwice += ids.size - 1;
  return {
    sent: COUNT,
    received,
    distinct: seen.size,
    duplicates: received - seen.size,
    storedTwice,
    deliveredAgain,
    redelivered,
    missing,
    disruptedAfter,
    durationMs: Date.now() - started,
  };
}

function report(t: TestContext, what: string, r: StreamReport): void {
  const line =
    `${what}: sent ${r.sent}, received ${r.received} (${r.distinct} distinct), duplicates ${r.duplicates} ` +
    `(stored twice ${r.storedTwice}, delivered again ${r.deliveredAgain}, with redelivery count ` +
    `${r.redelivered}), missing ${r.missing.length}, disrupted after ${r.disruptedAfter}, ${r.durationMs} ms`;
  t.diagnostic(line);
  console.log(`[resilience] ${line}`);
  assert.deepEqual(r.missing.slice(0, 20), [], `${r.missing.length} sequence numbers never arrived`);
  assert.equal(r.distinct, COUNT);
}

describe('resilience: producer and consumer recover by themselves and lose nothing', () => {
  it('the topic unloaded through the admin API mid-stream', { timeout: 300_000 }, async (t) => {
    const topic = uniqueTopic('resilience-unload');
    const stream = await openStream(topic);
    try {
      const r = await streamThrough(stream, async () => {
        await broker.admin('PUT', `${topicPath(topic)}/unload`);
      });
      report(t, 'unload', r);
    } finally {
      await stream.client.close();
    }
  });

  it('the broker killed with SIGKILL and restarted mid-stream', { timeout: 300_000 }, async (t) => {
    const topic = uniqueTopic('resilience-kill9');
    const stream = await openStream(topic);
    try {
      let downMs = 0;
      const r = await streamThrough(stream, async () => {
        const killedAt = Date.now();
        await broker.kill9();
        await broker.start();
        downMs = Date.now() - killedAt;
      });
      t.diagnostic(`broker was down for ${downMs} ms (kill, restart, healthy)`);
      report(t, 'kill -9 and restart', r);
    } finally {
      await stream.client.close();
    }
  });

  it('a 4-partition topic unloaded mid-stream', { timeout: 300_000 }, async (t) => {
    const topic = uniqueTopic('resilience-partitioned');
    await broker.admin('PUT', `${topicPath(topic)}/partitions`, 4);
    const stream = await openStream(topic);
    try {
      // Unloading the partitioned topic unloads each of its partitions.
      const r = await streamThrough(stream, async () => {
        await broker.admin('PUT', `${topicPath(topic)}/unload`);
      });
      report(t, '4 partitions unloaded', r);
    } finally {
      await stream.client.close();
    }
  });
});
