// Retain key ordering (Key_Shared): messages of one key run one after another, different keys in parallel, so
// outputs keep their input order per key while scripts of random duration run four at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueTopic } from '../../support/env.ts';
import { baseEnv, consume, produce, script, startInstance } from './helpers.ts';

const KEYS = 8;
const PER_KEY = 25;

test('per-key order is kept under concurrency', async () => {
  const input = uniqueTopic('rt-order-in');
  const output = uniqueTopic('rt-order-out');
  // Random sleeps: without per-key chains, later messages of a key would often overtake earlier ones.
  const body = `payload=$(cat)
sleep "0.0$((RANDOM % 5))"
printf '%s' "$payload"`;
  const instance = await startInstance({
    env: {
      ...baseEnv(script('ordered', body), input, output),
      PF_RETAIN_KEY_ORDERING: 'true',
      PF_CONCURRENCY: '4',
      PF_MAX_PENDING: '16',
    },
  });
  const specs = [];
  for (let i = 0; i < PER_KEY; i++) {
    for (let k = 0; k < KEYS; k++) specs.push({ payload: `${k}:${i}`, key: `key-${k}` });
  }
  await produce(input, specs);
  const received = await consume(output, { count: specs.length, timeoutMs: 120_000 });
  assert.equal(received.length, specs.length);
  const perKey = new Map<string, number[]>();
  for (const m of received) {
    const [k, i] = m.payload.toString().split(':');
    assert.equal(m.key, `key-${k}`);
    perKey.set(k!, [...(perKey.get(k!) ?? []), Number(i)]);
  }
  for (const [k, seq] of perKey) {
    assert.deepEqual(seq, [...Array(PER_KEY).keys()], `key ${k} out of order`);
  }
  // Different keys did run side by side.
  const running = instance.logs.find((l) => l.msg === 'running');
  assert.equal(running?.ordering, 'key');
  assert.equal(running?.concurrency, 4);
});
