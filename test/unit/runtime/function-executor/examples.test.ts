// The example functions in scripts/examples/, run by the exec-mode executor as the runtime runs them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ScriptLogLevel } from '../../../../src/runtime/function-executor/index.ts';
import { examplesDir, executorFor, invocation, text } from './helpers.ts';

const example = (name: string) => ({ file: path.join(examplesDir, name) });
// The locale pf-bash gives scripts when the runtime sets none; fixed here so the runner's own does not matter.
const parentEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8' };

async function outputOf(
  name: string,
  payload: string | Uint8Array,
  options = {},
): Promise<string | undefined> {
  const result = await executorFor(example(name), { parentEnv, ...options }).run(
    invocation({ payload: Buffer.from(payload) }),
  );
  assert.equal(result.outcome, 'success', result.reason);
  return text(result.output?.payload);
}

describe('scripts/examples/reverse.sh (stdin)', () => {
  const cases: Array<[string, string | undefined]> = [
    ['hello', 'olleh'],
    ['hello\n', 'olleh'],
    ['añb 日本語 😀', '😀 語本日 bña'],
    ['ab\ncd', 'dc\nba'],
    ['\n\n', '\n'],
    ['', undefined],
    ['$(touch /tmp/x) `y`', '`y` )x/pmt/ hcuot($'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, async () => {
      assert.equal(await outputOf('reverse.sh', input), expected);
    });
  }

  it('reverses a text longer than its 64-character pieces', async () => {
    const input = Array.from({ length: 500 }, (_, i) =>
      String.fromCodePoint(0x41 + (i % 26), 0x3b1 + (i % 20)),
    ).join('');
    assert.equal(await outputOf('reverse.sh', input), [...input].reverse().join(''));
  });
});

describe('scripts/examples/reverse-argv.sh (the interview convention: $1)', () => {
  it('reverses $1 with payloadAsArgument', async () => {
    assert.equal(
      await outputOf('reverse-argv.sh', 'hello world', { payloadAsArgument: true }),
      'dlrow olleh',
    );
    assert.equal(await outputOf('reverse-argv.sh', 'añb', { payloadAsArgument: true }), 'bña');
  });
});

describe('scripts/examples/sanitize.sh', () => {
  const cases: Array<[string, string | undefined]> = [
    ['  Hello,   WORLD \t again \r\n\n', 'hello, world again'],
    ['ÉCOLE Straße', 'école straße'],
    ['single', 'single'],
    [' \n\t ', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, async () => {
      assert.equal(await outputOf('sanitize.sh', input), expected);
    });
  }
});

describe('scripts/examples/router.sh', () => {
  it('routes fruits and vegetables to their topics with a category property', async () => {
    const executor = executorFor(example('router.sh'), { parentEnv });
    const apple = await executor.run(invocation({ payload: Buffer.from('apple') }));
    assert.equal(apple.output?.topic, 'persistent://public/default/fruits');
    assert.equal(apple.output?.properties.category, 'fruit');
    assert.equal(text(apple.output?.payload), 'apple');
    const carrot = await executor.run(invocation({ payload: Buffer.from('Carrot\n') }));
    assert.equal(carrot.output?.topic, 'persistent://public/default/vegetables');
    assert.equal(carrot.output?.properties.category, 'vegetable');
    assert.equal(text(carrot.output?.payload), 'Carrot');
  });

  it('logs a warning and publishes nothing for anything else', async () => {
    const logs: Array<[ScriptLogLevel, string]> = [];
    const executor = executorFor(example('router.sh'), {
      parentEnv,
      onLog: (level, message) => logs.push([level, message]),
    });
    const result = await executor.run(invocation({ payload: Buffer.from('rock') }));
    assert.equal(result.outcome, 'success');
    assert.equal(result.output, undefined);
    assert.deepEqual(logs, [['warn', 'The item rock is neither a fruit nor a vegetable']]);
  });
});
