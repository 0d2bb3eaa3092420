// The log topic against the real broker: key log lines and a script's stderr line, written through the
// instance logger and LogTopicSink with our client, arrive on the log topic in Pulsar Functions' format —
// payload the text alone, properties loglevel/instance/fqn exactly — and the producer carries `function`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../../../src/pulsar/client.ts';
import type { Client, Consumer, Message } from '../../../src/pulsar/types.ts';
import { silentLogger } from '../../../src/pulsar/util/index.ts';
import {
  createInstanceLogging,
  LogTopicSink,
  scriptLogForwarders,
} from '../../../src/runtime/logging/index.ts';
import { MemoryDestination, sampleInvocation } from '../../unit/runtime/observability/support.ts';

process.env.PULSAR_SERVICE_URL ??= 'pulsar://127.0.0.1:6650';
process.env.PULSAR_ADMIN_URL ??= 'http://127.0.0.1:8080';
const { admin } = await import('../../support/admin.ts');
const { testEnv, uniqueTopic, waitFor } = await import('../../support/env.ts');

const FQN = 'public/default/log-topic-test';

describe('log topic (real broker)', () => {
  let client: Client;
  let consumer: Consumer;
  const topic = uniqueTopic('log-topic');

  before(async () => {
    client = createClient({ serviceUrl: testEnv.serviceUrl, logger: silentLogger });
    consumer = await client.subscribe({
      topic,
      subscription: 'log-reader',
      subscriptionInitialPosition: 'Earliest',
    });
  });
  after(async () => {
    await consumer?.close();
    await client?.close();
  });

  it('carries the text alone with loglevel, instance and fqn properties', async () => {
    const dropped: string[] = [];
    const logging = createInstanceLogging({ destination: new MemoryDestination(), level: 'info' });
    const sink = new LogTopicSink({
      client,
      topic,
      fqn: FQN,
      instanceId: 2,
      logger: logging.local,
      onDropped: (count, reason) => dropped.push(`${count} ${reason}`),
    });
    assert.equal(await sink.start(), true);
    logging.attachSink(sink);

    const { logger } = logging;
    logger.info({ concurrency: 4, token: 'SECRET' }, 'function started');
    logger.debug('below the level: not sent');
    logger.warn({ exitCode: 1 }, 'script failed with exit code %d; retrying', 1);
    scriptLogForwarders(logger).onStderrLine('stderr: ünïcode ✓ $(rm -rf /)', sampleInvocation);
    logger.error(new Error('publish refused by the broker'));
    assert.equal(await sink.flush(30_000), true);

    const stats = await admin.stats(topic);
    const publishers = stats.publishers as { metadata?: Record<string, string> }[];
    assert.ok(
      publishers.some((p) => p.metadata?.function === FQN),
      JSON.stringify(publishers),
    );

    const received: Message[] = [];
    for (let i = 0; i < 4; i++) {
      const message = await consumer.receive(30_000);
      received.push(message);
      await consumer.acknowledge(message);
    }
    const props = (loglevel: string) => ({ loglevel, instance: '2', fqn: FQN });
    assert.deepEqual(
      received.map((m) => ({ text: m.payload.toString('utf8'), properties: { ...m.properties } })),
      [
        { text: 'function started', properties: props('INFO') },
        { text: 'script failed with exit code 1; retrying', properties: props('WARN') },
        { text: 'stderr: ünïcode ✓ $(rm -rf /)', properties: props('INFO') },
        { text: 'publish refused by the broker', properties: props('ERROR') },
      ],
    );
    assert.ok(received.every((m) => m.key === undefined));
    // Sent together within the producer's 100 ms batching delay: one batch entry, as Pulsar's appender does.
    assert.deepEqual(
      received.map((m) => m.messageId.batchIndex),
      [0, 1, 2, 3],
    );

    logging.detachSink();
    await sink.close();
    assert.deepEqual(dropped, []);
    assert.equal(sink.stats().published, 4);
    await waitFor('the log producer to leave the topic', async () => {
      const after = await admin.stats(topic);
      return (after.publishers as unknown[]).length === 0;
    });
  });
});
