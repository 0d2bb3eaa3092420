// On a broker of its own (test/support/test-broker.ts), since killing the shared one would break every other
// suite; it runs scripts/pulsar/standalone.conf as it is now, batch-index acknowledgement included.
// - The broker killed (SIGKILL) and restarted mid-stream: the instance rides it out — its client reconnects,
//   sends wait instead of failing, unacknowledged messages come back — and nothing is lost (at-least-once: a
//   message whose acknowledgement died with the broker may give its output twice).
// - Effectively-once over batched input with batch-index acknowledgement: after a kill only the unacknowledged
//   members of an entry come back, and each must keep its own sequence ids.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../support/env.ts';
import { TestBroker, topicPath } from '../../support/test-broker.ts';
import { consume, functionNameOf, produce, produceMany, script, startInstance } from './helpers.ts';

const broker = new TestBroker({ name: 'runtime-restart', ports: { broker: 6670, http: 8100, bookie: 3200 } });

before(() => broker.start(), { timeout: 300_000 });
after(() => broker.stop(), { timeout: 120_000 });

const COUNT = 600;

test('broker killed and restarted mid-stream: every input gives an output', async () => {
  const serviceUrl = broker.env.PULSAR_SERVICE_URL;
  const suffix = Math.random().toString(16).slice(2, 10);
  const input = `persistent://public/default/rt-restart-in-${suffix}`;
  const output = `persistent://public/default/rt-restart-out-${suffix}`;
  const work = script('restart', 'payload=$(cat)\nsleep 0.02\nprintf "%s" "$payload"');
  // The checker's subscription is made before any output exists, because Pulsar keeps a topic's messages only for
  // its subscriptions (retention 0, as Apache ships it): the restart closes the ledger written before the kill, and
  // on a topic without subscriptions the next retention check (every 120 s, or at a ledger roll) deletes it.
  // Without the subscription, the outputs of the inputs whose acks the broker had persisted before the kill (the
  // first few; the others are redelivered and published again) disappeared.
  const check = `check-${suffix}`;
  await broker.admin('PUT', `${topicPath(output)}/subscription/${check}`);
  const instance = await startInstance({
    env: {
      PF_SCRIPT: work,
      PF_INPUTS: input,
      PF_OUTPUT: output,
      PF_SERVICE_URL: serviceUrl,
      PF_SUBSCRIPTION_POSITION: 'Earliest',
      PF_CONCURRENCY: '2',
      PF_NEGATIVE_ACK_DELAY_MS: '500',
    },
  });
  await produce(
    input,
    Array.from({ length: COUNT }, (_, i) => ({ payload: `m-${i}` })),
    serviceUrl,
  );
  const processed = async () => {
    const { body } = await instance.get('/metrics');
    const match = /^pulsar_function_processed_successfully_total\{[^}]*\} (\d+)/m.exec(body);
    return match === null ? 0 : Number(match[1]);
  };
  await waitFor('part of the stream processed', async () => (await processed()) >= 100);
  await broker.kill9();
  await instance.waitForLog(
    'the lost connection to be noticed',
    (l) => l.msg?.startsWith('connection to the broker lost') === true,
  );
  await broker.start();
  await instance.waitForLog(
    'the connection to come back',
    (l) => l.msg === 'connection to the broker recovered',
    180_000,
  );
  const subscription = `public/default/${functionNameOf(work)}`;
  await waitFor(
    'every input acknowledged',
    async () => {
      const stats = (await broker.admin('GET', `${topicPath(input)}/stats`)) as {
        subscriptions: Record<string, { msgBacklog: number }>;
      };
      return stats.subscriptions[subscription]?.msgBacklog === 0;
    },
    { timeoutMs: 240_000, intervalMs: 500 },
  );
  const received = await consume(output, {
    count: 2 * COUNT,
    idleTimeoutMs: 3000,
    timeoutMs: 120_000,
    subscription: check,
    serviceUrl,
  });
  const distinct = new Set(received.map((m) => m.payload.toString()));
  const missing = Array.from({ length: COUNT }, (_, i) => `m-${i}`).filter((p) => !distinct.has(p));
  assert.deepEqual(missing, [], 'outputs missing');
  assert.equal(instance.exit, undefined, 'the instance must ride out the outage');
  assert.deepEqual(await instance.stop(), { code: 0, signal: null });
});

test('effectively-once, batched input, batch-index acknowledgement, SIGKILL three times: each output once', async () => {
  // Running and healthy again after the test before (a no-op when it is).
  await broker.start();
  const serviceUrl = broker.env.PULSAR_SERVICE_URL;
  const namespace = `public/eo-${Math.random().toString(16).slice(2, 10)}`;
  await broker.admin('PUT', `namespaces/${namespace}`);
  await broker.admin('POST', `namespaces/${namespace}/deduplication`, true);
  const input = `persistent://${namespace}/eo-in`;
  const output = `persistent://${namespace}/eo-out`;
  const work = script('eo-bia', 'payload=$(cat)\nsleep 0.01\nprintf "%s" "$payload"');
  const total = 300;
  await produceMany(input, total, ['--batch-max-messages', '25', '--batch-max-delay-ms', '1000'], serviceUrl);
  const env = {
    PF_SCRIPT: work,
    PF_INPUTS: input,
    PF_OUTPUT: output,
    PF_SERVICE_URL: serviceUrl,
    PF_NAMESPACE: namespace.split('/')[1]!,
    PF_SUBSCRIPTION_POSITION: 'Earliest',
    PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE',
  };
  for (let kill = 0; kill < 3; kill++) {
    const instance = await startInstance({ env });
    await waitFor('part of the stream processed', async () => {
      const { body } = await instance.get('/metrics');
      const match = /^pulsar_function_processed_successfully_total\{[^}]*\} (\d+)/m.exec(body);
      return match !== null && Number(match[1]) >= 40;
    });
    await instance.kill();
  }
  await startInstance({ env });
  const received = await consume(output, {
    count: total + 1,
    idleTimeoutMs: 5000,
    timeoutMs: 180_000,
    serviceUrl,
  });
  const payloads = received.map((m) => m.payload.toString());
  assert.equal(new Set(payloads).size, payloads.length, 'an output was published twice');
  assert.deepEqual(
    payloads,
    Array.from({ length: total }, (_, i) => `message-${i}`),
  );
});
