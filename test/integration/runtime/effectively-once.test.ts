// EFFECTIVELY_ONCE with deduplication on the namespace: SIGKILL mid-stream loses the acknowledgements of
// messages whose outputs were already persisted, so the next instance runs them again — and the broker drops the
// repeated outputs, recognising their producer name and sequence ids. Outputs = inputs, each once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { admin } from '../../support/admin.ts';
import { waitFor } from '../../support/env.ts';
import { baseEnv, consume, produce, script, startInstance, topicIn } from './helpers.ts';

const COUNT = 400;

async function dedupNamespace(): Promise<string> {
  const namespace = `public/eo-${randomBytes(4).toString('hex')}`;
  await admin.createNamespace(namespace);
  await admin.setDeduplication(namespace, true);
  return namespace;
}

async function processed(url: string): Promise<number> {
  const response = await fetch(`${url}/metrics`).catch(() => undefined);
  const match = /^pulsar_function_processed_successfully_total\{[^}]*\} (\d+)/m.exec((await response?.text()) ?? '');
  return match === null ? 0 : Number(match[1]);
}

test('SIGKILL mid-stream and restart: no output twice, none missing', async () => {
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
  const first = await startInstance({ env });
  await waitFor('part of the stream processed', async () => (await processed(first.url)) >= 120);
  await first.kill();
  const second = await startInstance({ env });
  const received = await consume(output, { count: COUNT + 1, idleTimeoutMs: 5000, timeoutMs: 180_000 });
  const payloads = received.map((m) => m.payload.toString());
  assert.equal(new Set(payloads).size, payloads.length, 'an output was published twice');
  assert.deepEqual(payloads, Array.from({ length: COUNT }, (_, i) => `m-${i}`), 'outputs in input order');
  // The second instance did rerun messages whose outputs were already persisted: deduplication dropped those.
  assert.ok((await processed(second.url)) >= COUNT - 120);
});
