// Our producer against the real broker, checked by an independent consumer: Apache's Python client
// (test/support/peer.py). Everything we send — batched or not, each codec, keys, ordering keys, properties,
// event time, empty, 1 MiB and all-256-byte payloads — must arrive byte-exact; keys on a partitioned topic
// must land where Java's default router puts them; an unload in the middle of a stream loses nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '../../../src/pulsar/client.ts';
import { javaStringHash } from '../../../src/pulsar/protocol/index.ts';
import { CompressionType, type OutgoingMessage } from '../../../src/pulsar/types.ts';
import { type Logger, silentLogger } from '../../../src/pulsar/util/index.ts';

process.env.PULSAR_SERVICE_URL ??= 'pulsar://127.0.0.1:6650';
process.env.PULSAR_ADMIN_URL ??= 'http://127.0.0.1:8080';
const { admin } = await import('../../support/admin.ts');
const { uniqueTopic } = await import('../../support/env.ts');
const serviceUrl = process.env.PULSAR_SERVICE_URL;
const run = promisify(execFile);

/** One message as peer.py's consumer reports it. */
interface Consumed {
  payload_b64: string;
  key: string | null;
  ordering_key_b64: string | null;
  properties: Record<string, string>;
  event_time: number | null;
  topic: string;
  batch_index: number;
}

/** Reads `count` messages of `topic` from the beginning with Apache's Python client. */
/** Reads `count` messages; with `untilIdle`, at least `count` and on until nothing arrives for 5 s (duplicates). */
async function consumeWithApache(topic: string, count: number, untilIdle = false): Promise<Consumed[]> {
  const root = process.env.PF_ROOT ?? process.cwd();
  const python = process.env.PF_PYTHON ?? `${root}/.cache/venv/bin/python`;
  const { stdout } = await run(
    python,
    [
      `${root}/test/support/peer.py`,
      'consume',
      '--service-url',
      serviceUrl,
      '--topic',
      topic,
      '--subscription',
      'apache-check',
      '--sub-type',
      'exclusive',
      '--initial-position',
      'earliest',
      ...(untilIdle ? ['--idle-timeout-ms', '5000'] : ['--count', String(count)]),
      '--timeout-ms',
      '90000',
    ],
    { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Consumed & { summary?: unknown })
    .filter((line) => line.summary === undefined);
}

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

/** The messages every codec and batching mode must carry intact. */
function sampleMessages(): OutgoingMessage[] {
  return [
    { payload: new Uint8Array(0) },
    { payload: allBytes, key: 'all-bytes' },
    { payload: randomBytes(1024 * 1024), key: 'one-mib', properties: { size: '1MiB' } },
    {
      payload: Buffer.from('with everything'),
      key: 'clé-ünïcode',
      orderingKey: Buffer.from('order-7'),
      properties: { a: '1', 'b-ü': 'β', empty: '' },
      eventTime: 1_700_000_000_123,
    },
    { payload: randomBytes(1024), properties: { n: 'x' } },
    { payload: Buffer.alloc(5000, 'compressible ') },
  ];
}

function expectSame(received: Consumed[], sent: OutgoingMessage[]): void {
  assert.equal(received.length, sent.length);
  sent.forEach((message, i) => {
    const got = received[i]!;
    assert.equal(got.payload_b64, Buffer.from(message.payload).toString('base64'), `payload of message ${i}`);
    assert.equal(got.key, message.key ?? null, `key of message ${i}`);
    assert.equal(
      got.ordering_key_b64,
      message.orderingKey === undefined ? null : Buffer.from(message.orderingKey).toString('base64'),
    );
    assert.deepEqual(got.properties, message.properties ?? {});
    assert.equal(got.event_time, message.eventTime ?? null);
  });
}

describe('producer against the broker, read back by Apache’s client', () => {
  for (const batchingEnabled of [false, true]) {
    for (const compressionType of Object.values(CompressionType)) {
      it(`${batchingEnabled ? 'batched' : 'unbatched'}, ${compressionType}: byte-exact`, async () => {
        const client = createClient({ serviceUrl });
        try {
          const topic = uniqueTopic(
            `producer-${compressionType.toLowerCase()}-${batchingEnabled ? 'b' : 'u'}`,
          );
          // Batches big enough to hold the 1 MiB message with the others, so it is framed inside a batch too.
          const producer = await client.createProducer({
            topic,
            batchingEnabled,
            compressionType,
            batchingMaxBytes: 4 * 1024 * 1024,
          });
          const sent = sampleMessages();
          const ids = await Promise.all(sent.map((message) => producer.send(message)));
          if (batchingEnabled) {
            assert.ok(ids.every((id) => id.batchSize === sent.length && id.entryId === ids[0]!.entryId));
            assert.deepEqual(
              ids.map((id) => id.batchIndex),
              sent.map((_, i) => i),
            );
          } else {
            assert.ok(ids.every((id) => id.batchIndex === -1));
          }
          await producer.close();
          const received = await consumeWithApache(topic, sent.length);
          expectSame(received, sent);
          if (batchingEnabled)
            assert.deepEqual(
              received.map((m) => m.batch_index),
              ids.map((id) => id.batchIndex),
            );
        } finally {
          await client.close();
        }
      });
    }
  }

  it('routes keys of a 4-partition topic to (hashCode & 0x7fffffff) % 4, as Java does', async () => {
    const client = createClient({ serviceUrl });
    try {
      const topic = uniqueTopic('producer-partitioned');
      await admin.createPartitionedTopic(topic, 4);
      const producer = await client.createProducer({ topic });
      const keys = Array.from({ length: 200 }, (_, i) => `key-${i}-${i * 7919}`);
      const expected = (key: string) => (javaStringHash(key) & 0x7fffffff) % 4;
      const ids = await Promise.all(keys.map((key) => producer.send({ payload: Buffer.from(key), key })));
      assert.deepEqual(
        ids.map((id) => id.partition),
        keys.map(expected),
      );
      await producer.close();
      const received = await consumeWithApache(topic, keys.length);
      assert.equal(received.length, keys.length);
      for (const message of received) {
        const key = message.key!;
        assert.equal(Buffer.from(message.payload_b64, 'base64').toString(), key);
        assert.equal(message.topic, `${topic}-partition-${expected(key)}`, key);
      }
      assert.equal(new Set(received.map((m) => m.key)).size, keys.length);
    } finally {
      await client.close();
    }
  });

  it('loses nothing and keeps order when the topic is unloaded mid-stream', async () => {
    // Counts the producer's reconnects through its log, to be sure the unload hit while messages were pending.
    let reconnects = 0;
    const logger: Logger = {
      ...silentLogger,
      info: (_fields, message) => {
        if (message.includes('reconnecting')) reconnects++;
      },
      child: () => logger,
    };
    const client = createClient({ serviceUrl, logger });
    try {
      const topic = uniqueTopic('producer-unload');
      const producer = await client.createProducer({ topic, batchingMaxMessages: 20 });
      const count = 4000;
      const sends: Promise<unknown>[] = [];
      let unloading: Promise<unknown> | undefined;
      for (let i = 0; i < count; i++) {
        sends.push(producer.send({ payload: Buffer.from(String(i)) }));
        if (i === 500) unloading = admin.unload(topic);
        // Pace the stream so that the unload lands in the middle of it.
        if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await Promise.all(sends);
      await unloading;
      assert.ok(reconnects >= 1, 'the producer reconnected');
      await producer.close();
      // Read on past `count`: resent messages may come twice, and the last ones must still be there.
      const received = (await consumeWithApache(topic, count, true)).map((m) =>
        Number(Buffer.from(m.payload_b64, 'base64').toString()),
      );
      // Without deduplication a resent message may appear twice, but never out of order or missing.
      let next = 0;
      for (const i of received) {
        assert.ok(i <= next, `message ${i} arrived before ${next}`);
        if (i === next) next++;
      }
      assert.equal(next, count);
    } finally {
      await client.close();
    }
  });
});
