// Our consumer against the real broker, fed by Apache's producer (Python client over the C++ one): every
// batching mode and codec, keys, properties, event time, empty and 1 MiB payloads, arbitrary bytes arrive
// byte-exact with the same metadata and ids; chunked messages are reassembled; a nacked message comes back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../../../src/pulsar/client.ts';
import type { Client } from '../../../src/pulsar/types.ts';
import { drain, produce, serviceUrl, sha256 } from './consumer-helpers.ts';

const { admin } = await import('../../support/admin.ts');
const { uniqueTopic, waitFor } = await import('../../support/env.ts');

const MiB = 1024 * 1024;
const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const payloads = [
  Buffer.alloc(0),
  Buffer.from([0]),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]),
  everyByte,
  Buffer.from('héllo ✓ 𝄞 日本語\n', 'utf8'),
  randomBytes(1 * MiB),
  Buffer.alloc(200_000, 'compressible '),
  randomBytes(777),
];

let dir = '';
let client: Client;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pf-consumer-'));
  await Promise.all(payloads.map((p, i) => writeFile(join(dir, `p-${i}.bin`), p)));
  client = createClient({ serviceUrl });
});
after(async () => {
  await client?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function backlog(topic: string, subscription: string): Promise<number> {
  const stats = (await admin.stats(topic)) as { subscriptions: Record<string, { msgBacklog: number }> };
  return stats.subscriptions[subscription]?.msgBacklog ?? -1;
}

describe('consumer: what Apache producers send arrives byte-exact', () => {
  for (const batching of ['off', 'on'] as const) {
    for (const codec of ['none', 'lz4', 'zlib', 'zstd', 'snappy'] as const) {
      it(`batching ${batching}, ${codec}`, async () => {
        const topic = uniqueTopic(`consume-${batching}-${codec}`);
        const count = payloads.length * 2;
        const consumer = await client.subscribe({
          topic,
          subscription: 'exact',
          subscriptionInitialPosition: 'Earliest',
        });
        const produced = await produce(topic, [
          ...['--count', String(count), '--payload-dir', dir, '--key-template', 'k-{i}'],
          ...['--property', 'a=v-{i}', '--property', 'fixed=1', '--event-time', '1234567890123'],
          ...['--batching', batching, '--compression', codec, '--producer-name', `peer-${batching}-${codec}`],
        ]);
        assert.equal(produced.length, count);
        const received = await drain(consumer, count);
        for (const [i, message] of received.entries()) {
          const sent = produced[i]!;
          const what = `message ${i} (${batching}, ${codec})`;
          assert.equal(sha256(message.payload), sent.payload_sha256, what);
          assert.ok(message.payload.equals(payloads[i % payloads.length]!), what);
          assert.equal(message.key, `k-${i}`, what);
          assert.deepEqual(message.properties, { a: `v-${i}`, fixed: '1' }, what);
          assert.equal(message.eventTime, 1234567890123, what);
          assert.equal(message.producerName, `peer-${batching}-${codec}`, what);
          assert.ok(message.publishTime > 0, what);
          assert.equal(message.redeliveryCount, 0, what);
          assert.equal(message.messageId.ledgerId, BigInt(sent.ledger_id), what);
          assert.equal(message.messageId.entryId, BigInt(sent.entry_id), what);
          assert.equal(message.messageId.batchIndex, sent.batch_index, what);
        }
        if (batching === 'on')
          assert.ok(
            received.some((m) => m.messageId.batchSize > 1),
            'some batches',
          );
        await waitFor('backlog acknowledged', async () => (await backlog(topic, 'exact')) === 0);
        await consumer.close();
      });
    }
  }
});

describe('consumer: chunked messages from Apache producers', () => {
  for (const codec of ['none', 'lz4'] as const) {
    it(`reassembles 12 MiB messages (${codec}) and acking one acks all its chunks`, async () => {
      const topic = uniqueTopic(`consume-chunks-${codec}`);
      const big = randomBytes(12 * MiB);
      const file = join(dir, `big-${codec}.bin`);
      await writeFile(file, big);
      const consumer = await client.subscribe({
        topic,
        subscription: 'chunks',
        subscriptionInitialPosition: 'Earliest',
      });
      const produced = await produce(topic, [
        ...[
          '--count',
          '2',
          '--payload-file',
          file,
          '--chunking',
          '--compression',
          codec,
          '--key-template',
          'big-{i}',
        ],
      ]);
      assert.equal(produced.length, 2);
      const received = await drain(consumer, 2, 60_000);
      for (const [i, message] of received.entries()) {
        assert.ok(message.payload.equals(big), `message ${i}`);
        assert.equal(message.key, `big-${i}`);
        // Apache reports the chunked message's id as its last chunk's, as we do.
        assert.equal(message.messageId.entryId, BigInt(produced[i]!.entry_id));
      }
      await waitFor('every chunk acknowledged', async () => (await backlog(topic, 'chunks')) === 0);
      await consumer.close();
    });
  }
});

describe('consumer: acknowledgement', () => {
  it('a negatively acknowledged message comes back with its redelivery count raised', async () => {
    const topic = uniqueTopic('consume-nack');
    const consumer = await client.subscribe({
      topic,
      subscription: 'nack',
      subscriptionType: 'Shared',
      subscriptionInitialPosition: 'Earliest',
      negativeAckRedeliveryDelayMs: 500,
    });
    await produce(topic, ['--count', '1', '--key-template', 'n-{i}']);
    const first = await consumer.receive(30_000);
    assert.equal(first.redeliveryCount, 0);
    consumer.negativeAcknowledge(first);
    const again = await consumer.receive(30_000);
    assert.equal(again.messageId.toString(), first.messageId.toString());
    assert.equal(again.redeliveryCount, 1);
    assert.ok(again.payload.equals(first.payload));
    await consumer.acknowledge(again);
    await waitFor('backlog acknowledged', async () => (await backlog(topic, 'nack')) === 0);
    await consumer.close();
  });

  it('unacknowledged messages come back to the next consumer; acked ones do not', async () => {
    const topic = uniqueTopic('consume-unacked');
    const options = { topic, subscription: 'resume', subscriptionInitialPosition: 'Earliest' as const };
    const first = await client.subscribe(options);
    await produce(topic, ['--count', '4', '--batching', 'off']);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await first.receive(30_000));
    await first.acknowledge(got[0]!);
    await first.acknowledge(got[2]!);
    await first.close();
    const second = await client.subscribe(options);
    const redelivered = [await second.receive(30_000), await second.receive(30_000)];
    assert.deepEqual(
      redelivered.map((m) => m.payload.toString()),
      ['message-1', 'message-3'],
    );
    await second.close();
  });

  it('without batch-index acknowledgement, a batch acknowledged in part comes back whole', async () => {
    const topic = uniqueTopic('consume-partial-batch');
    const options = {
      topic,
      subscription: 'resume',
      subscriptionInitialPosition: 'Earliest' as const,
      batchIndexAckEnabled: false,
    };
    const first = await client.subscribe(options);
    await produce(topic, ['--count', '3', '--batching', 'on', '--batch-max-delay-ms', '100']);
    const got = [await first.receive(30_000), await first.receive(30_000), await first.receive(30_000)];
    assert.ok(
      got.every((m) => m.messageId.batchSize === 3),
      'one batch of three',
    );
    await first.acknowledge(got[0]!);
    await first.acknowledge(got[1]!);
    await first.close();
    // The client acknowledged no single batch member, so the broker only knows entries: all three come again.
    const second = await client.subscribe(options);
    const again = [await second.receive(30_000), await second.receive(30_000), await second.receive(30_000)];
    assert.deepEqual(
      again.map((m) => m.payload.toString()),
      ['message-0', 'message-1', 'message-2'],
    );
    for (const m of again) await second.acknowledge(m);
    await waitFor('batch acknowledged', async () => (await backlog(topic, 'resume')) === 0);
    await second.close();
  });
});
