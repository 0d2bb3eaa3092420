// A failing script: retried (with the redelivery count rising), then dead-lettered with its payload, key,
// properties and event time intact plus properties saying why; a permanent failure skips the retries.
import assert from 'node:assert/strict';
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

const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x24, 0x28]);

test('a script exiting 1 is retried, then dead-lettered with everything intact', async () => {
  const input = uniqueTopic('rt-dlq-in');
  const output = uniqueTopic('rt-dlq-out');
  const failing = script(
    'fails',
    'cat >/dev/null\necho "boom on try $PF_MESSAGE_REDELIVERY_COUNT" >&2\nexit 1',
  );
  const instance = await startInstance({
    env: {
      ...baseEnv(failing, input, output),
      PF_MAX_MESSAGE_RETRIES: '2',
      PF_NEGATIVE_ACK_DELAY_MS: '200',
    },
  });
  await produce(input, [
    { payload: bytes, key: 'k-$(x)', properties: { a: '1', b: '`x`' }, eventTime: 1234 },
  ]);
  const dlq = `${input}-public-default-${functionNameOf(failing)}-DLQ`;
  const [letter] = await consume(dlq, { count: 1 });
  assert.ok(letter !== undefined);
  assert.ok(letter.payload.equals(bytes));
  assert.equal(letter.key, 'k-$(x)');
  assert.equal(letter.eventTime, 1234);
  const p = letter.properties;
  assert.equal(p.a, '1');
  assert.equal(p.b, '`x`');
  assert.equal(p['pf-bash.exit-code'], '1');
  assert.equal(p['pf-bash.failure'], 'exit-code');
  assert.equal(p['pf-bash.redelivery-count'], '2');
  assert.equal(p['pf-bash.fqfn'], `public/default/${functionNameOf(failing)}`);
  assert.equal(p['pf-bash.original-topic'], input);
  assert.match(p['pf-bash.original-message-id'] ?? '', /^\d+:\d+:-1:-1$/);
  assert.match(p['pf-bash.stderr-tail'] ?? '', /boom on try 2/);
  assert.match(p['pf-bash.reason'] ?? '', /exited with code 1/);
  await waitAllAcknowledged(input, failing);
  // Three runs: the first and two retries, each logged with its exit code and stderr.
  const failures = instance.logs.filter((l) => l.failure === 'exit-code' && l.attempt !== undefined);
  assert.equal(failures.length, 3);
  assert.deepEqual(
    failures.map((l) => l.redeliveryCount),
    [0, 1, 2],
  );
  assert.ok(instance.logs.some((l) => l.msg === 'dead-lettered'));
  assert.equal((await consume(output, { idleTimeoutMs: 1000, timeoutMs: 5000 })).length, 0);
});

test('exit code 100 (PF_EXIT_PERMANENT) dead-letters at once', async () => {
  const input = uniqueTopic('rt-perm-in');
  const permanent = script('permanent', 'source "$PF_LIB"\npf_fail_permanently "cannot parse"');
  const instance = await startInstance({ env: baseEnv(permanent, input) });
  await produce(input, [{ payload: 'x', key: 'k' }]);
  const dlq = `${input}-public-default-${functionNameOf(permanent)}-DLQ`;
  const [letter] = await consume(dlq, { count: 1 });
  assert.equal(letter?.properties['pf-bash.failure'], 'permanent-exit-code');
  assert.equal(letter?.properties['pf-bash.redelivery-count'], '0');
  assert.equal(instance.logs.filter((l) => l.attempt !== undefined).length, 1);
});
