// Producers are created once per topic and name, shared while being created, retried after a failure, and
// all flushed and closed at the end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlreadyClosedError, type Producer, type ProducerOptions } from '../../../../src/pulsar/index.ts';
import { ProducerManager, ProducerWithheldError } from '../../../../src/runtime/topic-manager/index.ts';
import { deferred, MemoryLogger } from '../processor/fakes.ts';

class FakeClient {
  readonly requests: ProducerOptions[] = [];
  readonly closed: string[] = [];
  failNext = false;
  gate: Promise<void> | undefined;
  async createProducer(options: ProducerOptions): Promise<Producer> {
    this.requests.push(options);
    await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('ServiceNotReady');
    }
    const client = this;
    return {
      topic: options.topic,
      producerName: options.producerName ?? 'standalone-0-1',
      lastSequenceId: -1n,
      send: async () => assert.fail('not used'),
      flush: async () => {},
      async close() {
        client.closed.push(`${options.topic}/${options.producerName ?? ''}`);
      },
    };
  }
}

describe('ProducerManager', () => {
  it('creates one producer per topic and name, with batching on and no send timeout', async () => {
    const client = new FakeClient();
    const producers = new ProducerManager({ client, logger: new MemoryLogger() });
    const [a, b] = await Promise.all([producers.get('t'), producers.get('t')]);
    assert.equal(a, b);
    await producers.get('t', 'named');
    assert.equal(client.requests.length, 2);
    assert.equal(client.requests[0]!.batchingEnabled, true);
    assert.equal(client.requests[0]!.sendTimeoutMs, 0);
    assert.equal(client.requests[1]!.producerName, 'named');
    assert.equal(producers.size, 2);
  });

  it('forgets a failed creation, so the next call tries again', async () => {
    const client = new FakeClient();
    const producers = new ProducerManager({ client, logger: new MemoryLogger() });
    client.failNext = true;
    await assert.rejects(producers.get('t'), /ServiceNotReady/);
    await producers.get('t');
    assert.equal(client.requests.length, 2);
  });

  it('closes every producer, refuses new ones after, and closes one created meanwhile', async () => {
    const client = new FakeClient();
    const producers = new ProducerManager({ client, logger: new MemoryLogger() });
    await producers.get('a');
    const gate = deferred<void>();
    client.gate = gate.promise;
    const late = producers.get('b');
    const closing = producers.close();
    gate.resolve();
    await closing;
    await assert.rejects(late, AlreadyClosedError);
    await assert.rejects(producers.get('c'), AlreadyClosedError);
    assert.deepEqual(client.closed.sort(), ['a/', 'b/']);
  });

  it('withholds a name: closes its producers, even one being created, and creates none until allowed', async () => {
    const client = new FakeClient();
    const producers = new ProducerManager({ client, logger: new MemoryLogger() });
    await producers.get('out', 'f@in-partition-0');
    await producers.get('out', 'f@in-partition-1');
    const gate = deferred<void>();
    client.gate = gate.promise;
    const creating = producers.get('side', 'f@in-partition-1');
    const withholding = producers.withhold('f@in-partition-1');
    gate.resolve();
    await withholding;
    client.gate = undefined;
    assert.deepEqual(client.closed.sort(), ['out/f@in-partition-1', 'side/f@in-partition-1']);
    assert.equal(producers.size, 1);
    await creating; // handed out before the withhold: its sends fail on the closed producer
    await assert.rejects(producers.get('out', 'f@in-partition-1'), ProducerWithheldError);
    assert.equal(client.requests.length, 3, 'no producer requested under a withheld name');
    assert.ok(await producers.get('out', 'f@in-partition-0'), 'other names are untouched');
    producers.allow('f@in-partition-1');
    await producers.get('out', 'f@in-partition-1');
    assert.equal(client.requests.length, 4);
  });
});
