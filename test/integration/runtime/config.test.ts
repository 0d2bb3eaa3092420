// Bad configuration: `pf-bash run` exits with 2 and prints one line per problem, naming the variable, the value
// and what is expected; secrets never appear. No broker is needed to refuse a configuration.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testEnv } from '../../support/env.ts';
import { scratch, script } from './helpers.ts';

async function runWith(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string[]; stdout: string }> {
  const child = spawn(process.execPath, [join(testEnv.root, 'src/cli/main.ts'), 'run', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr: stderr.split('\n').filter((line) => line !== '') };
}

test('several problems: exit 2, one line each, the token redacted', async () => {
  const result = await runWith({
    PF_SCRIPT: '/no/such/script.sh',
    PF_INPUTS: 'in',
    PF_OUTPUT: 'in',
    PF_CONCURRENCY: 'abc',
    PF_PROCESSING_GUARANTEES: 'SOMETIMES',
    PF_AUTH_TOKEN: 'secret-token-value',
    PF_AUTH_TOKEN_FILE: '/var/run/token',
  });
  assert.equal(result.code, 2);
  assert.deepEqual(
    result.stderr.sort(),
    [
      'PF_AUTH_TOKEN=<redacted>: conflicts with PF_AUTH_TOKEN_FILE=/var/run/token; set only one',
      'PF_CONCURRENCY=abc: expected a positive integer',
      'PF_OUTPUT=in: persistent://public/default/in is also an input topic; the function would consume its own output',
      'PF_PROCESSING_GUARANTEES=SOMETIMES: expected ATLEAST_ONCE, ATMOST_ONCE or EFFECTIVELY_ONCE',
      'PF_SCRIPT=/no/such/script.sh: expected a readable file (the bash script to run)',
    ].sort(),
  );
  assert.ok(!`${result.stdout}${result.stderr.join('\n')}`.includes('secret-token-value'));
});

test('flags set the same settings as the environment, and win', async () => {
  const ok = script('ok', 'cat');
  const result = await runWith({ PF_SCRIPT: '/no/such/script.sh' }, ['--script', ok]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stderr, [
    'PF_INPUTS: missing: expected a comma list of input topics (or PF_TOPICS_PATTERN)',
  ]);
});

test('a FunctionConfig file with a misspelt key', async () => {
  const file = scratch('function.yaml');
  writeFileSync(
    file,
    [
      'tenant: public',
      'namespace: default',
      'name: reverse',
      `customRuntimeOptions: '{"script": "${script('rev', 'rev')}"}'`,
      'inputs: [in]',
      'retainOrderring: true',
      '',
    ].join('\n'),
  );
  const result = await runWith({}, ['--config-file', file]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stderr, [
    `${file}: retainOrderring: unknown key (not a Pulsar FunctionConfig key); did you mean retainOrdering?`,
  ]);
});

test('an unknown flag: exit 2 with the usage', async () => {
  const result = await runWith({}, ['--concurrency', '3']);
  assert.equal(result.code, 2);
  assert.match(result.stderr[0] ?? '', /Unknown option '--concurrency'/);
  assert.ok(result.stderr.some((line) => line.startsWith('usage: pf-bash run')));
});
