import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createExecExecutor,
  DEFAULT_MAX_OUTPUT_BYTES,
  ExecutorOptionsError,
  PERMANENT_FAILURE_EXIT_CODE,
} from '../../../../src/runtime/function-executor/index.ts';
import { normalizeExecOptions } from '../../../../src/runtime/function-executor/options.ts';
import { instance, script } from './helpers.ts';

const defaults = { helperLibraryPath: '/lib/pf-function.sh', tmpRoot: '/tmp', parentEnv: {} };

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ExecutorOptionsError);
    return error.problems;
  }
  assert.fail('expected ExecutorOptionsError');
}

describe('executor options', () => {
  it('fills in the documented defaults', () => {
    const o = normalizeExecOptions({ scriptPath: 'f.sh', instance }, defaults);
    assert.equal(o.timeoutMs, 30_000);
    assert.equal(o.killGraceMs, 5_000);
    assert.equal(o.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES);
    assert.equal(o.maxControlBytes, 4 * DEFAULT_MAX_OUTPUT_BYTES);
    assert.equal(o.trimTrailingNewline, true);
    assert.equal(o.payloadAsArgument, false);
    assert.equal(o.forwardSourceMessageProperty, true);
    assert.equal(o.permanentExitCode, PERMANENT_FAILURE_EXIT_CODE);
    assert.equal(o.permanentExitCode, 100);
    assert.equal(o.bashPath, 'bash');
    assert.equal(o.helperLibraryPath, '/lib/pf-function.sh');
    assert.equal(o.tmpRoot, '/tmp');
    assert.equal(o.stderrTailLines, 20);
    assert.equal(o.stderrTailBytes, 4096);
    assert.equal(o.maxStderrLinesForwarded, 1000);
  });

  it('reads null (and 0) as no timeout', () => {
    assert.equal(
      normalizeExecOptions({ scriptPath: 'f.sh', instance, timeoutMs: null }, defaults).timeoutMs,
      0,
    );
    assert.equal(normalizeExecOptions({ scriptPath: 'f.sh', instance, timeoutMs: 0 }, defaults).timeoutMs, 0);
  });

  it('names every bad option with the value it got', () => {
    const problems = problemsOf(() =>
      normalizeExecOptions(
        {
          scriptPath: '',
          instance: { ...instance, instanceId: 3 },
          timeoutMs: -1,
          killGraceMs: 1.5,
          maxOutputBytes: 0,
          permanentExitCode: 0,
          trimTrailingNewline: 'yes' as unknown as boolean,
          passEnv: ['PF_AUTH_TOKEN', 'BASH_ENV', 'BAD NAME', 'BASH_FUNC_foo'],
          extraEnv: { OK: 'a\0b' },
        },
        defaults,
      ),
    );
    const expected = [
      /`scriptPath` to be a non-empty string/,
      /`timeoutMs` to be an integer from 0 to 2147483647, got `-1`/,
      /`killGraceMs` to be an integer .* got `1.5`/,
      /`maxOutputBytes` to be an integer from 1 .* got `0`/,
      /`permanentExitCode` to be an integer from 1 to 255, got `0`/,
      /`trimTrailingNewline` to be a boolean, got `yes`/,
      /passEnv: PF_AUTH_TOKEN: names starting with PF_ are the runtime's own/,
      /passEnv: BASH_ENV changes what bash runs before the script/,
      /passEnv: `BAD NAME` is not a variable name/,
      /passEnv: BASH_FUNC_foo changes what bash runs/,
      /extraEnv: the value of OK must be a string without NUL bytes/,
      /`instance.instanceId` to be an integer from 0 to numInstances - 1, got `3`/,
    ];
    for (const pattern of expected)
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `${pattern}: ${problems.join('; ')}`,
      );
  });

  it('checks the script, the helper library and bash once, at creation', () => {
    const problems = problemsOf(() =>
      createExecExecutor({
        scriptPath: '/nonexistent/script.sh',
        instance,
        helperLibraryPath: '/nonexistent/lib.sh',
        bashPath: 'no-such-bash',
      }),
    );
    assert.ok(
      problems.some((p) => /^scriptPath: \/nonexistent\/script.sh cannot be read \(ENOENT\)/.test(p)),
    );
    assert.ok(problems.some((p) => /^helperLibraryPath: /.test(p)));
    assert.ok(problems.some((p) => /^bashPath: `no-such-bash` is not an executable/.test(p)));
  });

  it('accepts a valid set', () => {
    assert.ok(createExecExecutor({ scriptPath: script('cat'), instance }));
  });
});
