// What the output carries: by default the input's key, properties and event time; what the script sets through
// the helper library instead; routing to another topic and extra messages (pf_publish).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueTopic } from '../../support/env.ts';
import { baseEnv, consume, produce, script, startInstance } from './helpers.ts';

test('the output keeps the input key, properties and event time', async () => {
  const input = uniqueTopic('rt-keep-in');
  const output = uniqueTopic('rt-keep-out');
  await startInstance({ env: baseEnv(script('cat', 'cat'), input, output) });
  await produce(input, [
    { payload: 'x', key: 'the-key', properties: { a: '1', 'b c': 'd e' }, eventTime: 1_234_567 },
  ]);
  const [out] = await consume(output, { count: 1 });
  assert.equal(out?.payload.toString(), 'x');
  assert.equal(out?.key, 'the-key');
  assert.deepEqual(out?.properties, { a: '1', 'b c': 'd e' });
  assert.equal(out?.eventTime, 1_234_567);
});

test('the script overrides key and properties, routes by content and publishes extra messages', async () => {
  const input = uniqueTopic('rt-route-in');
  const output = uniqueTopic('rt-route-out');
  const fruit = uniqueTopic('rt-route-fruit');
  const audit = uniqueTopic('rt-route-audit');
  const body = `source "$PF_LIB"
payload=$(cat)
case $payload in
  a*) pf_set_output_topic ${fruit} ;;
  *) pf_set_output_key "new-$PF_MESSAGE_KEY"; pf_set_output_property seen yes ;;
esac
printf 'audit %s' "$payload" | pf_publish ${audit} --key audit-key --property origin "$PF_MESSAGE_TOPIC"
printf '%s' "$payload"`;
  await startInstance({ env: { ...baseEnv(script('router', body), input, output), PF_CONCURRENCY: '1' } });
  await produce(input, [
    { payload: 'apple', key: 'k1', properties: { p: '1' } },
    { payload: 'banana', key: 'k2', properties: { p: '2' } },
  ]);
  const [routed] = await consume(fruit, { count: 1 });
  assert.equal(routed?.payload.toString(), 'apple');
  assert.equal(routed?.key, 'k1');
  assert.deepEqual(routed?.properties, { p: '1' });
  const [plain] = await consume(output, { count: 1 });
  assert.equal(plain?.payload.toString(), 'banana');
  assert.equal(plain?.key, 'new-k2');
  assert.deepEqual(plain?.properties, { p: '2', seen: 'yes' });
  const audits = await consume(audit, { count: 2 });
  assert.deepEqual(audits.map((m) => m.payload.toString()).sort(), ['audit apple', 'audit banana']);
  for (const m of audits) {
    assert.equal(m.key, 'audit-key');
    assert.deepEqual(m.properties, { origin: input }, 'extra messages inherit nothing from the input');
  }
});
