// A producer on a partitioned topic: one partition producer per partition, keys routed as Java routes them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServerError, ServerErrorCode, TimeoutError } from '../../../../src/pulsar/errors.ts';
import { createProducer, PartitionedProducer } from '../../../../src/pulsar/producer/index.ts';
import { settle } from '../../../support/fake-clock.ts';
import { FakeContext } from './fake-connection.ts';
import { javaHashVectors } from './java-hash-vectors.ts';

const TOPIC = 'persistent://public/default/parted';
const partitionTopic = (i: number) => `${TOPIC}-partition-${i}`;

describe('partitioned producer', () => {
  test('registers one producer per partition and routes each key to (hashCode & 0x7fffffff) % n', async () => {
    const context = new FakeContext({ partitions: 4 });
    const producer = await createProducer(context, {
      topic: 'parted',
      batchingEnabled: false,
      sendTimeoutMs: 0,
    });
    assert.ok(producer instanceof PartitionedProducer);
    assert.equal(producer.partitions, 4);
    assert.equal(producer.topic, TOPIC);
    for (let i = 0; i < 4; i++) {
      assert.equal(context.connection(partitionTopic(i)).requests[0]!.producer!.topic, partitionTopic(i));
    }
    const sends = javaHashVectors.map(([key]) => producer.send({ payload: Buffer.from(key), key }));
    for (const [key, , of4] of javaHashVectors) {
      const frames = context.connection(partitionTopic(of4)).sent;
      assert.ok(
        frames.some((f) => f.metadata.partitionKey === key),
        `${key} on partition ${of4}`,
      );
    }
    for (let i = 0; i < 4; i++) context.connection(partitionTopic(i)).receiptAll();
    const ids = await Promise.all(sends);
    assert.deepEqual(
      ids.map((id) => id.partition),
      javaHashVectors.map(([, , of4]) => of4),
    );
    assert.ok(producer.lastSequenceId >= 0n);
    await producer.close();
  });

  test('unbatched unkeyed messages go round-robin over the partitions', async () => {
    const context = new FakeContext({ partitions: 3 });
    const producer = await createProducer(context, {
      topic: TOPIC,
      batchingEnabled: false,
      sendTimeoutMs: 0,
    });
    for (let i = 0; i < 6; i++) void producer.send({ payload: Buffer.from([i]) });
    const perPartition = [0, 1, 2].map((p) =>
      context.connection(partitionTopic(p)).sent.map((f) => f.payload[0]),
    );
    // Whatever the start partition, consecutive messages land on consecutive partitions.
    const start = perPartition.findIndex((list) => list[0] === 0);
    for (let i = 0; i < 6; i++) assert.ok(perPartition[(start + i) % 3]!.includes(i));
  });

  test('if a partition cannot be created, the others are closed and the error is thrown', async () => {
    const context = new FakeContext({ partitions: 2 });
    // The first PRODUCER (partition 0 or 1) is refused for good.
    context.producerAnswers.push({ errorCode: ServerErrorCode.AuthorizationError });
    await assert.rejects(createProducer(context, { topic: TOPIC }), ServerError);
    await settle();
    const closes = [0, 1].flatMap((p) =>
      context.connection(partitionTopic(p)).requests.filter((c) => c.closeProducer !== undefined),
    );
    assert.equal(closes.length, 1);
  });

  test('close({ timeoutMs }) reaches every partition: what is pending anywhere fails at the deadline', async () => {
    const context = new FakeContext({ partitions: 2 });
    const producer = await createProducer(context, {
      topic: TOPIC,
      batchingEnabled: false,
      sendTimeoutMs: 0,
    });
    const sends = ['k1', 'k2', 'k3', 'k4'].map((key) =>
      producer.send({ payload: Buffer.from(key), key }).then(
        () => 'ok',
        (error: unknown) => (error instanceof TimeoutError ? 'timeout' : String(error)),
      ),
    );
    context.connection(partitionTopic(0)).receiptAll();
    let closed = false;
    const closing = producer.close({ timeoutMs: 500 }).then(() => {
      closed = true;
    });
    await context.clock.advanceAsync(499);
    assert.equal(closed, false);
    await context.clock.advanceAsync(1);
    await closing;
    const outcomes = await Promise.all(sends);
    const onPartition0 = context.connection(partitionTopic(0)).sent.length;
    assert.deepEqual(outcomes.filter((o) => o === 'ok').length, onPartition0);
    assert.ok(outcomes.every((o) => o === 'ok' || o === 'timeout'));
    assert.ok(outcomes.includes('timeout'));
  });
});
