// Batch-index acknowledgement against a real broker: Apache's Python producer sends batches, our Shared
// consumer acks every message but a few, and the few come back alone — after a close and a resubscribe (the
// broker redelivers with ack_set; the new consumer knows nothing of the batches) and after nacks — byte-exact,
// with no acknowledged sibling delivered again. With batchIndexAckEnabled: false the siblings do come back,
// which shows the first test would catch a regression.
// Runs on a broker of its own (test/support/test-broker.ts), started with scripts/pulsar/standalone.conf, so it
// has acknowledgmentAtBatchIndexLevelEnabled=true whatever the shared broker was started with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '../../../src/pulsar/client.ts';
import { type Client, type Consumer, InitialPosition, type Message } from '../../../src/pulsar/types.ts';
import { uniqueTopic } from '../../support/env.ts';
import { TestBroker } from '../../support/test-broker.ts';

const run = promisify(execFile);
const broker = new TestBroker({ name: 'batch-index-ack', ports: { broker: 6680, http: 8110, bookie: 3210 } });

before(() => broker.start(), { timeout: 300_000 });
after(() => broker.stop(), { timeout: 120_000 });

const COUNT = 300;
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

interface Produced {
  i: number;
  payload_sha256: string;
  ledger_id: number;
  entry_id: number;
  batch_index: number;
}

/** Apache's producer (test/support/peer.py), pointed at this suite's broker. */
async function produce(topic: string, args: string[]): Promise<Produced[]> {
  const root = process.env.PF_ROOT ?? process.cwd();
  const python = process.env.PF_PYTHON ?? join(root, '.cache/venv/bin/python');
  const result = await run(
    python,
    [
      join(root, 'test/support/peer.py'),
      'produce',
      ...['--service-url', broker.env.PULSAR_SERVICE_URL, '--topic', topic],
      ...args,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
  );
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Produced & { summary?: unknown })
    .filter((line) => line.summary === undefined);
}

const key = (ledger: bigint | number, entry: bigint | number, index: number) => `${ledger}:${entry}:${index}`;

/** Batched messages on a fresh topic, plus the lookup from message id to what was sent. */
async function batchedTopic(name: string): Promise<{ topic: string; byId: Map<string, Produced> }> {
  const topic = uniqueTopic(name);
  const produced = await produce(topic, [
    ...['--count', String(COUNT), '--size', '200', '--random-seed', '7'],
    ...['--batching', 'on', '--batch-max-messages', '10', '--batch-max-delay-ms', '100'],
  ]);
  assert.equal(produced.length, COUNT);
  assert.ok(
    produced.some((p) => p.batch_index >= 5),
    'the producer made batches of several messages',
  );
  const byId = new Map(produced.map((p) => [key(p.ledger_id, p.entry_id, p.batch_index), p]));
  return { topic, byId };
}

/** A single message after everything else: what arrives before it is what the broker redelivered. */
async function sentinel(topic: string): Promise<string> {
  const [p] = await produce(topic, ['--count', '1', '--size', '3', '--batching', 'off']);
  return key(p!.ledger_id, p!.entry_id, p!.batch_index);
}

const idOf = (m: Message) => key(m.messageId.ledgerId, m.messageId.entryId, m.messageId.batchIndex);

/** Messages to leave unacknowledged: a few in most batches (never the whole of one). */
const leftOut = (p: Produced) => p.i % 7 === 3;

async function subscribe(client: Client, topic: string, batchIndexAckEnabled = true): Promise<Consumer> {
  return client.subscribe({
    topic,
    subscription: 'bia',
    subscriptionType: 'Shared',
    subscriptionInitialPosition: InitialPosition.Earliest,
    negativeAckRedeliveryDelayMs: 200,
    batchIndexAckEnabled,
  });
}

/** Receives every produced message once; acks all but `leftOut`, which are returned. */
async function firstPass(consumer: Consumer, byId: Map<string, Produced>): Promise<Message[]> {
  const kept: Message[] = [];
  for (let n = 0; n < COUNT; n++) {
    const message = await consumer.receive(30_000);
    const sent = byId.get(idOf(message));
    assert.ok(sent !== undefined, `unexpected message ${idOf(message)}`);
    assert.equal(sha256(message.payload), sent.payload_sha256);
    if (leftOut(sent)) kept.push(message);
    else await consumer.acknowledge(message);
  }
  return kept;
}

/** Receives (acking) until the message `last`; returns what came before it. */
async function until(consumer: Consumer, last: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const message = await consumer.receive(30_000);
    await consumer.acknowledge(message);
    if (idOf(message) === last) return out;
    out.push(message);
  }
}

/** What came back, checked byte-exact against what was sent, as sorted indexes. */
function indexes(messages: Message[], byId: Map<string, Produced>): number[] {
  return messages
    .map((m) => {
      const sent = byId.get(idOf(m));
      assert.ok(sent !== undefined, `unexpected message ${idOf(m)}`);
      assert.equal(sha256(m.payload), sent.payload_sha256, `payload of message ${sent.i}`);
      return sent.i;
    })
    .sort((a, b) => a - b);
}

/**
 * One client receives everything and acks all but `leftOut`, then closes; a new client (no state of its own
 * about these batches, only what the broker sends) resubscribes. Returns the indexes that came back.
 */
async function closeAndResubscribe(
  topic: string,
  byId: Map<string, Produced>,
  batchIndexAckEnabled: boolean,
): Promise<number[]> {
  const first = createClient({ serviceUrl: broker.env.PULSAR_SERVICE_URL });
  try {
    const consumer = await subscribe(first, topic, batchIndexAckEnabled);
    await firstPass(consumer, byId);
    await consumer.close();
  } finally {
    await first.close();
  }
  const last = await sentinel(topic);
  const second = createClient({ serviceUrl: broker.env.PULSAR_SERVICE_URL });
  try {
    const consumer = await subscribe(second, topic, batchIndexAckEnabled);
    const again = indexes(await until(consumer, last), byId);
    await consumer.close();
    return again;
  } finally {
    await second.close();
  }
}

describe('batch-index acknowledgement on a broker with acknowledgmentAtBatchIndexLevelEnabled', () => {
  it('the broker runs with the setting on', async () => {
    const config = (await broker.admin('GET', 'brokers/configuration/runtime')) as Record<string, string>;
    assert.equal(config.acknowledgmentAtBatchIndexLevelEnabled, 'true');
  });

  it('after a close and a resubscribe only the unacknowledged messages of each batch come back', async () => {
    const { topic, byId } = await batchedTopic('bia-close');
    const expected = [...byId.values()].filter(leftOut).map((p) => p.i);
    const again = await closeAndResubscribe(topic, byId, true);
    assert.deepEqual(again, expected, 'exactly the unacknowledged messages, once each');
  });

  it('nacked messages of partially acknowledged batches come back alone', async () => {
    const { topic, byId } = await batchedTopic('bia-nack');
    const expected = [...byId.values()].filter(leftOut).map((p) => p.i);
    const client = createClient({ serviceUrl: broker.env.PULSAR_SERVICE_URL });
    try {
      const consumer = await subscribe(client, topic);
      const kept = await firstPass(consumer, byId);
      for (const message of kept) consumer.negativeAcknowledge(message);
      const again: Message[] = [];
      while (again.length < expected.length) {
        const message = await consumer.receive(30_000);
        await consumer.acknowledge(message);
        again.push(message);
      }
      assert.deepEqual(indexes(again, byId), expected);
      assert.ok(
        again.every((m) => m.redeliveryCount === 1),
        'each came back once',
      );
      // Nothing else is outstanding: the next message is the sentinel.
      const last = await sentinel(topic);
      assert.deepEqual(await until(consumer, last), []);
      await consumer.close();
    } finally {
      await client.close();
    }
  });

  it('with batchIndexAckEnabled: false the acknowledged siblings come back too (the duplicates it prevents)', async () => {
    const { topic, byId } = await batchedTopic('bia-off');
    const expected = [...byId.values()].filter(leftOut).map((p) => p.i);
    const again = await closeAndResubscribe(topic, byId, false);
    for (const i of expected) assert.ok(again.includes(i), `message ${i} came back`);
    assert.ok(again.length > expected.length, `acknowledged siblings redelivered: ${again.length}`);
  });
});
