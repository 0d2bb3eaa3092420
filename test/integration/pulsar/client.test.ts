// createClient against the real broker: option errors surface at once, a client looks topics up, and
// close() releases its connections.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from '../../../src/pulsar/client.ts';
import { AlreadyClosedError, InvalidArgumentError } from '../../../src/pulsar/errors.ts';

process.env.PULSAR_SERVICE_URL ??= 'pulsar://127.0.0.1:6650';
process.env.PULSAR_ADMIN_URL ??= 'http://127.0.0.1:8080';
const { admin } = await import('../../support/admin.ts');
const { uniqueTopic } = await import('../../support/env.ts');
const serviceUrl = process.env.PULSAR_SERVICE_URL;

describe('createClient against the broker', () => {
  it('rejects a bad service URL with an error that names the option and the value', () => {
    assert.throws(
      () => createClient({ serviceUrl: 'http://127.0.0.1:8080' }),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.message ===
          'invalid serviceUrl: expected pulsar://host:port or pulsar+ssl://host:port, got `http://127.0.0.1:8080`',
    );
  });

  it('reads partitions through the client, then closes', async () => {
    const client = createClient({ serviceUrl });
    const topic = uniqueTopic('client-partitions');
    await admin.createPartitionedTopic(topic, 3);
    assert.equal(await client.getPartitionsForTopic(topic), 3);
    await client.close();
    await assert.rejects(client.getPartitionsForTopic(topic), AlreadyClosedError);
  });
});
