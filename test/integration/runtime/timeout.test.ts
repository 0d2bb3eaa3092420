// A script that hangs, having started a child `sleep` of its own: at the timeout the whole process group dies —
// the child too — and the run counts as a failure (dead-lettered here, with no retries allowed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { uniqueTopic, waitFor } from '../../support/env.ts';
import { baseEnv, consume, functionNameOf, produce, script, startInstance } from './helpers.ts';

/** Processes whose command line contains `needle`. */
function processesWith(needle: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', '-a', needle], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

test('a hanging script and the sleep it started are both killed at the timeout', async () => {
  const input = uniqueTopic('rt-timeout-in');
  // A duration no other process uses, to find these sleeps and nothing else.
  const seconds = `${600 + Math.floor(Math.random() * 1000)}.${process.pid}`;
  const hanging = script('hangs', `cat >/dev/null\nsleep ${seconds} &\necho started >&2\nsleep ${seconds}`);
  const instance = await startInstance({
    env: {
      ...baseEnv(hanging, input),
      PF_TIMEOUT_MS: '1500',
      PF_KILL_GRACE_MS: '500',
      PF_MAX_MESSAGE_RETRIES: '0',
    },
  });
  await produce(input, [{ payload: 'x' }]);
  await waitFor('both sleeps to run', () => processesWith(`sleep ${seconds}`).length === 2);
  const dlq = `${input}-public-default-${functionNameOf(hanging)}-DLQ`;
  const [letter] = await consume(dlq, { count: 1 });
  assert.equal(letter?.properties['pf-bash.failure'], 'timeout');
  assert.match(letter?.properties['pf-bash.reason'] ?? '', /longer than 1500 ms/);
  assert.match(letter?.properties['pf-bash.stderr-tail'] ?? '', /started/);
  assert.deepEqual(processesWith(`sleep ${seconds}`), [], 'a sleep outlived the timeout');
  assert.ok(instance.logs.some((l) => l.failure === 'timeout' && l.attempt === 1));
});
