// EFFECTIVELY_ONCE with deduplication on the namespace: SIGKILL mid-stream (three times) loses the acknowledgements of
// messages whose outputs were already persisted, so the next instance runs them again — and the broker drops the
// repeated outputs, recognising their producer name and sequence ids. Outputs = inputs, each once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createClient } from '../../../src/pulsar/index.ts';
import { effectivelyOnceProducerName, sequenceIdOf } from '../../../src/runtime/processor/index.ts';
import { admin } from '../../support/admin.ts';
import { testEnv, waitFor } from '../../support/env.ts';
import { baseEnv, consume, functionNameOf, produce, script, startInstance, topicIn } from './helpers.ts';

const COUNT = 400;

async function dedupNamespace(): Promise<string> {
  const namespace = `public/eo-${randomBytes(4).toString('hex')}`;
  await admin.createNamespace(namespace);
  await admin.setDeduplication(namespace, true);
  return namespace;
}

async function processed(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`).catch(() => undefined);
  const match = /^pulsar_function_processed_successfully_total\{[^}]*\} (\d+)/m.exec(
    (await response?.text()) ?? '',
  );
  return match === null ? 0 : Number(match[1]);
}

test('SIGKILL mid-stream and restarts: no output twice, none missing', async () => {
  const namespace = await dedupNamespace();
  const input = topicIn(namespace, 'eo-in');
  const output = topicIn(namespace, 'eo-out');
  const work = script('eo', 'payload=$(cat)\nsleep 0.01\nprintf "%s" "$payload"');
  const env = {
    ...baseEnv(work, input, output),
    PF_TENANT: 'public',
    PF_NAMESPACE: namespace.split('/')[1]!,
    PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE',
  };
  await produce(
    input,
    Array.from({ length: COUNT }, (_, i) => ({ payload: `m-${i}`, key: `k-${i % 7}` })),
  );
  // Each kill has a fair chance of landing between an output's persistence and its input's acknowledgement;
  // three make a rerun of an already published message near certain.
  for (let kill = 0; kill < 3; kill++) {
    const instance = await startInstance({ env });
    await waitFor('part of the stream processed', async () => (await processed(instance.url)) >= 60);
    await instance.kill();
  }
  await startInstance({ env });
  const received = await consume(output, { count: COUNT + 1, idleTimeoutMs: 5000, timeoutMs: 180_000 });
  const payloads = received.map((m) => m.payload.toString());
  assert.equal(new Set(payloads).size, payloads.length, 'an output was published twice');
  assert.deepEqual(
    payloads,
    Array.from({ length: COUNT }, (_, i) => `m-${i}`),
    'outputs in input order',
  );
});

test('outputs an earlier instance persisted without acknowledging their inputs are dropped, not repeated', async () => {
  const namespace = await dedupNamespace();
  const input = topicIn(namespace, 'eo-in');
  const output = topicIn(namespace, 'eo-out');
  const work = script('eo', 'cat');
  const fqfn = `${namespace}/${functionNameOf(work)}`;
  const ids = await produce(
    input,
    Array.from({ length: 100 }, (_, i) => ({ payload: `m-${i}` })),
  );
  // What a killed instance leaves behind: outputs for the first 30 inputs persisted (same producer name, same
  // sequence ids), none of the inputs acknowledged.
  const client = createClient({ serviceUrl: testEnv.serviceUrl });
  try {
    const producer = await client.createProducer({
      topic: output,
      producerName: effectivelyOnceProducerName(fqfn, input),
      batchingEnabled: false,
    });
    for (let i = 0; i < 30; i++) {
      const { ledgerId, entryId } = ids[i]!;
      await producer.send({ payload: Buffer.from(`m-${i}`), sequenceId: sequenceIdOf(ledgerId, entryId, 0) });
    }
    await producer.close();
  } finally {
    await client.close();
  }
  await startInstance({
    env: {
      ...baseEnv(work, input, output),
      PF_NAMESPACE: namespace.split('/')[1]!,
      PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE',
    },
  });
  const received = await consume(output, { count: 101, idleTimeoutMs: 3000, timeoutMs: 60_000 });
  assert.deepEqual(
    received.map((m) => m.payload.toString()),
    Array.from({ length: 100 }, (_, i) => `m-${i}`),
  );
});
