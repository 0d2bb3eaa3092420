// SIGTERM mid-stream: the instance stops taking messages, lets the running ones finish, acknowledges them and
// exits 0; what it held but had not started is redelivered to the next instance. Counting outputs against
// inputs: nothing lost, nothing twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueTopic, waitFor } from '../../support/env.ts';
import { baseEnv, consume, produce, script, startInstance, waitAllAcknowledged } from './helpers.ts';

const COUNT = 300;

test('SIGTERM mid-stream: every input gives exactly one output across two instances', async () => {
  const input = uniqueTopic('rt-term-in');
  const output = uniqueTopic('rt-term-out');
  const slow = script('slow', 'payload=$(cat)\nsleep 0.03\nprintf "%s" "$payload"');
  const env = { ...baseEnv(slow, input, output), PF_CONCURRENCY: '4', PF_MAX_PENDING: '8' };
  const first = await startInstance({ env });
  await produce(
    input,
    Array.from({ length: COUNT }, (_, i) => ({ payload: `m-${i}` })),
  );
  await waitFor('a few messages processed', async () => {
    const text = await first.get('/metrics');
    const match = /^pulsar_function_processed_successfully_total\{[^}]*\} (\d+)/m.exec(text.body);
    return match !== null && Number(match[1]) >= 40;
  });
  const exit = await first.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, first.describe());
  assert.ok(first.logs.some((l) => l.msg === 'draining'));
  const stopped = first.logs.find((l) => l.msg === 'stopped');
  assert.equal(stopped?.drained, true);

  await startInstance({ env });
  await waitAllAcknowledged(input, slow, 120_000);
  const received = await consume(output, { count: COUNT + 1, idleTimeoutMs: 3000, timeoutMs: 120_000 });
  const payloads = received.map((m) => m.payload.toString());
  assert.equal(new Set(payloads).size, payloads.length, 'an output came twice');
  assert.deepEqual([...payloads].sort(), Array.from({ length: COUNT }, (_, i) => `m-${i}`).sort());
});
