// The broker killed (SIGKILL) and restarted mid-stream: the instance rides it out — its client reconnects, sends
// wait instead of failing, unacknowledged messages come back — and nothing is lost (at-least-once: a message
// whose acknowledgement died with the broker may give its output twice). Runs on a broker of its own
// (test/support/test-broker.ts): killing the shared one would break every other suite.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../support/env.ts';
import { TestBroker, topicPath } from '../../support/test-broker.ts';
import { consume, functionNameOf, produce, script, startInstance } from './helpers.ts';

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
    serviceUrl,
  });
  const distinct = new Set(received.map((m) => m.payload.toString()));
  const missing = Array.from({ length: COUNT }, (_, i) => `m-${i}`).filter((p) => !distinct.has(p));
  assert.deepEqual(missing, [], 'outputs missing');
  assert.equal(instance.exit, undefined, 'the instance must ride out the outage');
  assert.deepEqual(await instance.stop(), { code: 0, signal: null });
});
