// EFFECTIVELY_ONCE with deduplication on the namespace: SIGKILL mid-stream (three times) loses the acknowledgements of
// messages whose outputs were already persisted, so the next instance runs them again — and the broker drops the
// repeated outputs, recognising their producer name and sequence ids. Outputs = inputs, each once. And a second
// instance on the Failover subscription takes a partition over while the first still holds messages of it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createClient } from '../../../src/pulsar/index.ts';
import { effectivelyOnceProducerName, sequenceIdOf } from '../../../src/runtime/processor/index.ts';
import { admin } from '../../support/admin.ts';
import { testEnv, waitFor } from '../../support/env.ts';
import type { InstanceProcess } from '../../support/instance.ts';
import {
  baseEnv,
  consume,
  functionNameOf,
  produce,
  produceMany,
  script,
  startInstance,
  topicIn,
} from './helpers.ts';

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

/** Three instances killed mid-stream (SIGKILL), then one left to finish; resolves with the output payloads. */
async function killThreeTimes(env: Record<string, string>, output: string, count: number): Promise<string[]> {
  // Each kill has a fair chance of landing between an output's persistence and its input's acknowledgement;
  // three make a rerun of an already published message likely. The test below makes it certain.
  for (let kill = 0; kill < 3; kill++) {
    const instance = await startInstance({ env });
    await waitFor('part of the stream processed', async () => (await processed(instance.url)) >= count / 8);
    await instance.kill();
  }
  await startInstance({ env });
  const received = await consume(output, { count: count + 1, idleTimeoutMs: 5000, timeoutMs: 180_000 });
  return received.map((m) => m.payload.toString());
}

function eoEnv(namespace: string, work: string, input: string, output: string): Record<string, string> {
  return {
    ...baseEnv(work, input, output),
    PF_NAMESPACE: namespace.split('/')[1]!,
    PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE',
  };
}

test('SIGKILL mid-stream and restarts: no output twice, none missing', async () => {
  const namespace = await dedupNamespace();
  const input = topicIn(namespace, 'eo-in');
  const output = topicIn(namespace, 'eo-out');
  const work = script('eo', 'payload=$(cat)\nsleep 0.01\nprintf "%s" "$payload"');
  await produce(
    input,
    Array.from({ length: COUNT }, (_, i) => ({ payload: `m-${i}`, key: `k-${i % 7}` })),
  );
  const payloads = await killThreeTimes(eoEnv(namespace, work, input, output), output, COUNT);
  assert.equal(new Set(payloads).size, payloads.length, 'an output was published twice');
  assert.deepEqual(
    payloads,
    Array.from({ length: COUNT }, (_, i) => `m-${i}`),
    'outputs in input order',
  );
});

test('batched input: every member of an entry keeps its own sequence ids across kills', async () => {
  const namespace = await dedupNamespace();
  const input = topicIn(namespace, 'eo-batch-in');
  const output = topicIn(namespace, 'eo-batch-out');
  const work = script('eo-batch', 'payload=$(cat)\nsleep 0.01\nprintf "%s" "$payload"');
  // Entries of 20 messages: a kill in the middle of one leaves some members acknowledged and some not.
  await produceMany(input, COUNT, ['--batch-max-messages', '20', '--batch-max-delay-ms', '1000']);
  const payloads = await killThreeTimes(eoEnv(namespace, work, input, output), output, COUNT);
  assert.equal(new Set(payloads).size, payloads.length, 'an output was published twice');
  assert.deepEqual(
    payloads,
    Array.from({ length: COUNT }, (_, i) => `message-${i}`),
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
  await startInstance({ env: eoEnv(namespace, work, input, output) });
  const received = await consume(output, { count: 101, idleTimeoutMs: 3000, timeoutMs: 60_000 });
  assert.deepEqual(
    received.map((m) => m.payload.toString()),
    Array.from({ length: 100 }, (_, i) => `m-${i}`),
  );
});

test('a second instance takes a partition over mid-message: the first abandons it, every output once, in order', async () => {
  const namespace = await dedupNamespace();
  const input = topicIn(namespace, 'eo-handover-in');
  const output = topicIn(namespace, 'eo-handover-out');
  await admin.createPartitionedTopic(input, 2);
  // `slow` holds the first instance's only slot long enough for the second to start and take partition 1.
  const work = script(
    'eo-handover',
    [
      'payload=$(cat)',
      'if [[ $payload == slow ]]; then echo "slow started" >&2; sleep 6; fi',
      'sleep 0.02',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
      'printf "%s %s" "$payload" "${PF_MESSAGE_TOPIC##*-}"',
    ].join('\n'),
  );
  const PER_PARTITION = 30;
  // Partition 1's producer exists by the time `slow` runs: the first instance must close it, not re-create it.
  const inputs = (partition: number) => {
    const payloads = Array.from({ length: PER_PARTITION }, (_, i) => `p${partition}-${i}`);
    if (partition === 1) payloads.splice(5, 0, 'slow');
    return payloads;
  };
  for (const partition of [0, 1]) {
    await produce(
      `${input}-partition-${partition}`,
      inputs(partition).map((payload) => ({ payload })),
    );
  }
  const env = { ...eoEnv(namespace, work, input, output), PF_NUM_INSTANCES: '2' };
  // Failover gives partition i to the consumer i % 2 in name order: the instance `…:1` gets partition 1.
  const first = await startInstance({ env: { ...env, PF_INSTANCE_ID: '0' } });
  await first.waitForLog('the first instance runs `slow`', (l) => l.msg === 'slow started');
  const second = await startInstance({ env: { ...env, PF_INSTANCE_ID: '1' } });

  const received = await consume(output, {
    count: 2 * PER_PARTITION + 2,
    // Longer than the pauses `slow` makes: six seconds in each instance.
    idleTimeoutMs: 15_000,
    timeoutMs: 180_000,
  });
  const payloads = received.map((m) => m.payload.toString());
  assert.equal(new Set(payloads).size, payloads.length, `an output was published twice: ${payloads}`);
  for (const partition of [0, 1]) {
    assert.deepEqual(
      payloads.filter((p) => p.endsWith(` ${partition}`)),
      inputs(partition).map((payload) => `${payload} ${partition}`),
      `partition ${partition}: every output, in input order`,
    );
  }
  await first.waitForLog('the first instance to abandon `slow`', (l) =>
    /its partition moved to another consumer/.test(String(l.msg)),
  );
  const fromSlow = inputs(1).length - inputs(1).indexOf('slow');
  const byTheSecond = await processed(second.url);
  assert.ok(byTheSecond >= fromSlow, `the second instance ran partition 1 from \`slow\` on: ${byTheSecond}`);
  assert.ok(
    !logged(first, /publishing .* failed/) && !logged(second, /publishing .* failed/),
    'no instance fought the other for the partition producer',
  );
});

function logged(instance: InstanceProcess, pattern: RegExp): boolean {
  return instance.logs.some((l) => pattern.test(String(l.msg)));
}
