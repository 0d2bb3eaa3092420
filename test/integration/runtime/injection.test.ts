// Payload, key and properties are data, never code: `$(…)`, backticks, `;` and quotes in any of them reach the
// script as bytes and run nothing — on stdin, in the metadata variables, and as `$1` in argv mode.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { uniqueTopic } from '../../support/env.ts';
import { baseEnv, consume, produce, scratch, script, startInstance } from './helpers.ts';

test('shell syntax in payload, key and properties is never executed', async () => {
  const marker = scratch('pwned');
  const attacks = [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker};`,
    `' ; touch ${marker} ; '`,
    `" ; touch ${marker} ; "`,
    `\${IFS}$(touch\${IFS}${marker})`,
  ];
  const input = uniqueTopic('rt-inject-in');
  const output = uniqueTopic('rt-inject-out');
  // Uses everything the way careless scripts do: unquoted expansions, echo, eval-free but sloppy.
  const body = [
    'payload=$(cat)',
    'printf "%s|%s|%s|%s" "$payload" "$PF_MESSAGE_KEY" "$(pf_get_property a)" "$1"',
  ].join('\n');
  await startInstance({
    env: {
      ...baseEnv(script('inject', `source "$PF_LIB"\n${body}`), input, output),
      PF_SCRIPT_ARGV_PAYLOAD: 'true',
    },
  });
  await produce(
    input,
    attacks.map((attack) => ({ payload: attack, key: attack, properties: { a: attack } })),
  );
  const received = await consume(output, { count: attacks.length });
  // Concurrency 2: outputs may come in any order.
  assert.deepEqual(
    received.map((m) => m.payload.toString()).sort(),
    attacks.map((a) => `${a}|${a}|${a}|${a}`).sort(),
  );
  for (const m of received) assert.equal(m.properties.a, m.key);
  assert.deepEqual(received.map((m) => m.key).sort(), [...attacks].sort());
  assert.equal(existsSync(marker), false, 'something ran a command from the message');
});
