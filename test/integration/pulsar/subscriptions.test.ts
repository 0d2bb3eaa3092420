// Subscription types and multi-topic consumers against the real broker, fed by Apache's producer: Shared
// spreads, Failover has one active consumer and moves on, Key_Shared keeps keys together, Exclusive refuses a
// second consumer; partitioned topics and patterns are consumed whole with per-key order.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../../../src/pulsar/client.ts';
import { ServerError } from '../../../src/pulsar/errors.ts';
import type { Client, Consumer, Message } from '../../../src/pulsar/types.ts';
import { drain, drainUntilQuiet, produce, produceLines, serviceUrl } from './consumer-helpers.ts';

const { admin } = await import('../../support/admin.ts');
const { uniqueTopic, waitFor } = await import('../../support/env.ts');

let client: Client;
before(() => {
  client = createClient({ serviceUrl });
});
after(async () => {
  await client?.close();
});

/** Drains several consumers at once until `total` messages arrived, returning each one's share. */
async function drainAll(consumers: Consumer[], total: number): Promise<Message[][]> {
  const shares: Message[][] = consumers.map(() => []);
  let count = 0;
  await Promise.all(
    consumers.map(async (consumer, i) => {
      while (count < total) {
        let message: Message;
        try {
          message = await consumer.receive(500);
        } catch {
          continue;
        }
        await consumer.acknowledge(message);
        shares[i]!.push(message);
        count++;
      }
    }),
  );
  return shares;
}

const index = (m: Message) => Number(m.payload.toString().replace('message-', ''));

describe('subscription types', () => {
  it('Shared spreads messages over the consumers, each once', async () => {
    const topic = uniqueTopic('sub-shared');
    const options = {
      topic,
      subscription: 'shared',
      subscriptionType: 'Shared' as const,
      receiverQueueSize: 10,
    };
    const consumers = [await client.subscribe(options), await client.subscribe(options)];
    await produce(topic, ['--count', '200']);
    const shares = await drainAll(consumers, 200);
    assert.ok(
      shares.every((share) => share.length > 0),
      `shares: ${shares.map((s) => s.length)}`,
    );
    const all = shares
      .flat()
      .map(index)
      .sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 200 }, (_, i) => i),
    );
    await Promise.all(consumers.map((c) => c.close()));
  });

  it('Failover has one active consumer, and the other takes over when it closes', async () => {
    const topic = uniqueTopic('sub-failover');
    const active = new Map<string, boolean>();
    const subscribe = (name: string) =>
      client.subscribe({
        topic,
        subscription: 'failover',
        subscriptionType: 'Failover',
        consumerName: name,
        onActiveChange: (isActive) => active.set(name, isActive),
      });
    const consumers = new Map([
      ['a', await subscribe('a')],
      ['b', await subscribe('b')],
    ]);
    // Which one the broker picks depends on a hash of the names: find out, do not assume.
    const activeName = await waitFor('one active consumer', () => {
      const on = [...active].filter(([, isActive]) => isActive).map(([name]) => name);
      return active.size === 2 && on.length === 1 ? on[0] : undefined;
    });
    const standbyName = activeName === 'a' ? 'b' : 'a';
    const [activeOne, standby] = [consumers.get(activeName)!, consumers.get(standbyName)!];
    await produce(topic, ['--count', '10']);
    const first = await drain(activeOne, 10);
    assert.deepEqual(
      first.map(index),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.deepEqual(await drainUntilQuiet(standby, 500), [], 'the standby got nothing');
    await activeOne.close();
    await waitFor('the standby takes over', () => active.get(standbyName) === true);
    await produce(topic, ['--count', '5']);
    const second = await drain(standby, 5);
    assert.deepEqual(second.map(index), [0, 1, 2, 3, 4]);
    await standby.close();
  });

  it('Key_Shared keeps every key on one consumer, in order', async () => {
    const topic = uniqueTopic('sub-key-shared');
    const options = {
      topic,
      subscription: 'keys',
      subscriptionType: 'KeyShared' as const,
      receiverQueueSize: 20,
    };
    const consumers = [await client.subscribe(options), await client.subscribe(options)];
    // Batching off: a batch carries one entry-level key, so keyed batching would be needed otherwise.
    await produce(topic, ['--count', '300', '--key-template', 'key-{i}', '--batching', 'off']);
    const shares = await drainAll(consumers, 300);
    const owner = new Map<string, number>();
    for (const [i, share] of shares.entries()) {
      for (const m of share) {
        assert.ok(owner.get(m.key!) === undefined || owner.get(m.key!) === i, `key ${m.key} on one consumer`);
        owner.set(m.key!, i);
      }
    }
    assert.equal(owner.size, 300);
    assert.ok(
      shares.every((share) => share.length > 0),
      `shares: ${shares.map((s) => s.length)}`,
    );
    await Promise.all(consumers.map((c) => c.close()));
  });

  it('Key_Shared with repeated keys: each key stays on one consumer and in order', async () => {
    const topic = uniqueTopic('sub-key-order');
    const options = {
      topic,
      subscription: 'keys',
      subscriptionType: 'KeyShared' as const,
      receiverQueueSize: 20,
    };
    const consumers = [await client.subscribe(options), await client.subscribe(options)];
    // Six keys, each sent 40 times: peer.py reads the messages as JSON lines.
    await produceLines(
      topic,
      Array.from({ length: 240 }, (_, i) => ({ payload: `message-${i}`, key: `k-${i % 6}` })),
    );
    const shares = await drainAll(consumers, 240);
    const owner = new Map<string, number>();
    for (const [i, share] of shares.entries()) {
      const lastByKey = new Map<string, number>();
      for (const m of share) {
        assert.ok(owner.get(m.key!) === undefined || owner.get(m.key!) === i, `key ${m.key} on one consumer`);
        owner.set(m.key!, i);
        assert.ok(index(m) > (lastByKey.get(m.key!) ?? -1), `key ${m.key} in order`);
        lastByKey.set(m.key!, index(m));
      }
    }
    assert.equal(owner.size, 6);
    await Promise.all(consumers.map((c) => c.close()));
  });

  it('Exclusive refuses a second consumer with ConsumerBusy', async () => {
    const topic = uniqueTopic('sub-exclusive');
    const first = await client.subscribe({ topic, subscription: 'only' });
    const started = Date.now();
    await assert.rejects(client.subscribe({ topic, subscription: 'only' }), (error: unknown) => {
      assert.ok(error instanceof ServerError, String(error));
      assert.equal(error.codeName, 'ConsumerBusy');
      return true;
    });
    assert.ok(Date.now() - started < 10_000, 'refused at once, not after retries');
    await first.close();
    // Once the first is gone the subscription is free again.
    const second = await client.subscribe({ topic, subscription: 'only' });
    await second.close();
  });
});

describe('multi-topic consumers', () => {
  it('consumes all 4 partitions of a topic with per-key order', async () => {
    const topic = uniqueTopic('sub-partitioned');
    await admin.createPartitionedTopic(topic, 4);
    const consumer = await client.subscribe({
      topic,
      subscription: 'all',
      subscriptionInitialPosition: 'Earliest',
    });
    await produceLines(
      topic,
      Array.from({ length: 400 }, (_, i) => ({ payload: `message-${i}`, key: `k-${i % 40}` })),
    );
    const received = await drain(consumer, 400);
    assert.deepEqual(
      received.map(index).sort((a, b) => a - b),
      Array.from({ length: 400 }, (_, i) => i),
    );
    const lastByKey = new Map<string, number>();
    for (const m of received) {
      assert.ok(index(m) > (lastByKey.get(m.key!) ?? -1), `key ${m.key} in order`);
      lastByKey.set(m.key!, index(m));
      assert.equal(m.topic, `${topic}-partition-${m.messageId.partition}`);
    }
    assert.deepEqual([...new Set(received.map((m) => m.messageId.partition))].sort(), [0, 1, 2, 3]);
    await consumer.close();
  });

  it('a topicsPattern consumes every matching topic', async () => {
    const prefix = `pat-${randomBytes(4).toString('hex')}`;
    const topics = [`persistent://public/default/${prefix}-a`, `persistent://public/default/${prefix}-b`];
    for (const t of topics) await admin.createTopic(t);
    const consumer = await client.subscribe({
      topicsPattern: `persistent://public/default/${prefix}-.*`,
      subscription: 'pattern',
      subscriptionInitialPosition: 'Earliest',
    });
    for (const t of topics) await produce(t, ['--count', '3']);
    const received = await drain(consumer, 6);
    assert.deepEqual([...new Set(received.map((m) => m.topic))].sort(), topics);
    await consumer.close();
  });
});
