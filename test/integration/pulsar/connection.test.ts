// The connection layer and lookup against the real broker (scripts/pulsar-standalone.sh): handshake,
// lookup, partitioned metadata, topics of a namespace, keepalive, and the errors for unreachable brokers.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ClientRuntime, createClientRuntime } from '../../../src/pulsar/client-context.ts';
import { ConnectionError, ServerError } from '../../../src/pulsar/errors.ts';
import { parseServiceUrl } from '../../../src/pulsar/lookup/service-url.ts';
import { lookupCommand } from '../../../src/pulsar/protocol/index.ts';

process.env.PULSAR_SERVICE_URL ??= 'pulsar://127.0.0.1:6650';
process.env.PULSAR_ADMIN_URL ??= 'http://127.0.0.1:8080';
const { admin } = await import('../../support/admin.ts');
const { uniqueTopic } = await import('../../support/env.ts');
const serviceUrl = process.env.PULSAR_SERVICE_URL;
const serviceHost = parseServiceUrl(serviceUrl).hosts[0]!;

describe('connection layer against the broker', () => {
  let runtime: ClientRuntime;
  before(() => {
    runtime = createClientRuntime({ serviceUrl, operationTimeoutMs: 20_000 });
  });
  after(() => runtime.pool.close());

  it('handshakes and learns the max message size', async () => {
    const connection = await runtime.pool.get(serviceHost, serviceHost);
    assert.equal(connection.isClosed, false);
    assert.ok(connection.maxMessageSize >= 1024 * 1024, `max message size ${connection.maxMessageSize}`);
    assert.ok(connection.protocolVersion >= 19, `protocol version ${connection.protocolVersion}`);
  });

  it('looks a topic up and connects to its owner broker', async () => {
    const topic = uniqueTopic('lookup');
    const owner = await runtime.lookup.lookup(topic);
    assert.match(owner.logicalAddress, /:\d+$/);
    assert.equal(owner.physicalAddress, owner.logicalAddress);
    const connection = await runtime.context.connectionForTopic(topic);
    assert.equal(connection.isClosed, false);
    assert.equal(connection.logicalAddress, owner.logicalAddress);
  });

  it('reads partitioned metadata: 4 for a 4-partition topic, 0 for a plain one', async () => {
    const partitioned = uniqueTopic('partitioned');
    await admin.createPartitionedTopic(partitioned, 4);
    assert.equal(await runtime.context.partitionedMetadata(partitioned), 4);
    const plain = uniqueTopic('plain');
    await admin.createTopic(plain);
    assert.equal(await runtime.context.partitionedMetadata(plain), 0);
  });

  it('lists the topics of a namespace, partitions folded into their topic', async () => {
    const partitioned = uniqueTopic('listed');
    await admin.createPartitionedTopic(partitioned, 2);
    // Partitions exist as topics only once something touches them; the partitioned topic itself is listed.
    const topics = await runtime.context.topicsOfNamespace('public/default');
    assert.ok(topics.includes(partitioned), `${partitioned} not in ${topics.length} topics`);
    assert.ok(topics.every((t) => !/-partition-\d+$/.test(t)));
  });

  it('maps a broker error answer to ServerError', async () => {
    const connection = await runtime.pool.get(serviceHost, serviceHost);
    // A namespace that does not exist: the broker answers the lookup with an error code.
    const error = await connection
      .request((id) => lookupCommand('persistent://no-such-tenant/no-such-ns/t', id, false))
      .catch((e: unknown) => e);
    assert.ok(error instanceof ServerError, `got ${String(error)}`);
  });

  it('keeps an idle connection alive with PING/PONG', async () => {
    const pinging = createClientRuntime({ serviceUrl, keepAliveIntervalMs: 300 });
    try {
      const connection = await pinging.pool.get(serviceHost, serviceHost);
      // Six intervals: without PONGs the connection would be dropped after two.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      assert.equal(connection.isClosed, false);
    } finally {
      pinging.pool.close();
    }
  });
});

describe('unreachable brokers', () => {
  it('reports a refused connection as a retriable ConnectionError', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const runtime = createClientRuntime({
      serviceUrl: `pulsar://127.0.0.1:${port}`,
      operationTimeoutMs: 500,
    });
    const error = await runtime.context.partitionedMetadata('t').catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionError, `got ${String(error)}`);
    assert.equal(error.retriable, true);
    assert.match(error.message, /ECONNREFUSED/);
    runtime.pool.close();
  });
});
