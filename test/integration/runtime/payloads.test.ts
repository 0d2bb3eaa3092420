// Payloads arrive on the script's stdin and leave its stdout byte for byte: every byte value, invalid UTF-8,
// 5 MB; an empty payload gives empty stdout, which is no output (a filter). Keys identify the messages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { uniqueTopic } from '../../support/env.ts';
import {
  baseEnv,
  consume,
  functionNameOf,
  produce,
  script,
  startInstance,
  waitAllAcknowledged,
} from './helpers.ts';

const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const payloads: Record<string, Buffer> = {
  'every-byte': everyByte,
  'every-byte-reversed': Buffer.from([...everyByte].reverse()),
  'invalid-utf8': Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x00, 0x0a]),
  'trailing-newlines': Buffer.from('a\n\n'),
  nul: Buffer.from([0]),
  '5mb': randomBytes(5_000_000),
  empty: Buffer.alloc(0),
  text: Buffer.from('héllo wörld ✓ 𝄞\r\n'),
};

test('cat passes every payload through byte for byte; empty stdout publishes nothing', async () => {
  const input = uniqueTopic('rt-bytes-in');
  const output = uniqueTopic('rt-bytes-out');
  const cat = script('cat', 'exec cat');
  const instance = await startInstance({
    env: { ...baseEnv(cat, input, output), PF_TRIM_TRAILING_NEWLINE: 'false' },
  });
  await produce(
    input,
    Object.entries(payloads).map(([key, payload]) => ({ key, payload })),
  );
  const expected = Object.keys(payloads).filter((key) => key !== 'empty');
  const received = await consume(output, { count: expected.length, timeoutMs: 120_000 });
  assert.deepEqual(received.map((m) => m.key).sort(), [...expected].sort());
  for (const message of received) {
    assert.ok(message.payload.equals(payloads[message.key!]!), `payload of ${message.key} differs`);
  }
  // The empty one was run and acknowledged too, not left behind.
  await waitAllAcknowledged(input, cat);
  assert.deepEqual(await instance.stop(), { code: 0, signal: null });
});

test('reverse trims the one trailing newline that rev adds', async () => {
  const input = uniqueTopic('rt-rev-in');
  const output = uniqueTopic('rt-rev-out');
  await startInstance({ env: baseEnv(script('rev', 'rev'), input, output) });
  await produce(input, [{ payload: 'hello world' }, { payload: 'abc' }]);
  const received = await consume(output, { count: 2 });
  // Two scripts run at once: outputs in either order.
  assert.deepEqual(received.map((m) => m.payload.toString()).sort(), ['cba', 'dlrow olleh']);
});

test('an output larger than the broker takes fails the message with a clear reason, and the instance goes on', async () => {
  const input = uniqueTopic('rt-big-in');
  const output = uniqueTopic('rt-big-out');
  // 5 MiB is the broker's maxMessageSize; one byte more cannot be published.
  const body = `payload=$(cat)
if [[ $payload == big ]]; then head -c $((5 * 1024 * 1024 + 1)) /dev/zero; else printf '%s' "$payload"; fi`;
  const big = script('big', body);
  const instance = await startInstance({
    env: { ...baseEnv(big, input, output), PF_MAX_MESSAGE_RETRIES: '0', PF_CONCURRENCY: '1' },
  });
  await produce(input, [{ payload: 'big' }, { payload: 'small' }]);
  const dlq = `${input}-public-default-${functionNameOf(big)}-DLQ`;
  const [letter] = await consume(dlq, { count: 1 });
  assert.equal(letter?.payload.toString(), 'big');
  assert.equal(letter?.properties['pf-bash.failure'], 'output-too-large');
  assert.match(letter?.properties['pf-bash.reason'] ?? '', /exceeded maxOutputBytes \(5242880 bytes\)/);
  const [next] = await consume(output, { count: 1 });
  assert.equal(next?.payload.toString(), 'small');
  assert.ok(instance.logs.some((l) => l.failure === 'output-too-large' && l.level === 40));
  assert.equal(instance.exit, undefined);
});
