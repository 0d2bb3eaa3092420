// Stream mode's replies against real bash: failures per message, the helper library's routing, extra messages
// and logs (in both codecs), stderr, limits, and framing a script breaks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Invocation, ScriptLogLevel } from '../../../../../src/runtime/function-executor/index.ts';
import { examplesDir, scratchDir, waitUntil } from '../helpers.ts';
import { message, streamExecutorFor, succeeded } from './helpers.ts';

describe('stream mode: failure replies', () => {
  it('fails one message (retriable or permanent) and keeps the process for the next ones', async () => {
    const executor = streamExecutorFor(
      [
        'source "$PF_LIB"',
        'while IFS= read -r line; do',
        '  case $line in',
        '    retry) pf_reply_fail "try again" later ;;',
        '    dead) pf_reply_fail --permanent "cannot parse: $line" ;;',
        '    raw) printf "\\0fail 6\\nraw!\\nx" ;;',
        '    *) printf "%s\\n" "$line" ;;',
        '  esac',
        'done',
      ].join('\n'),
      { codec: 'lines' },
    );
    const [retry, dead, raw, fine] = await Promise.all(
      ['retry', 'dead', 'raw', 'fine'].map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
    );
    assert.equal(retry!.outcome, 'failure');
    assert.equal(retry!.failureCode, 'failure-reply');
    assert.equal(retry!.reason, 'the script answered fail: try again later');
    assert.equal(dead!.outcome, 'permanent-failure');
    assert.equal(dead!.reason, 'the script answered fail-permanent: cannot parse: dead');
    assert.equal(raw!.reason, 'the script answered fail: raw!', 'the first line of the reason');
    assert.equal(succeeded(fine!), 'fine');
    assert.equal(executor.restarts, 0);
  });

  it('frames failures and empty outputs the same way in the length-prefixed codec', async () => {
    const executor = streamExecutorFor(
      [
        'source "$PF_LIB"',
        'while pf_next; do',
        '  pf_read_payload p',
        '  case $p in fail) pf_reply_fail nope ;; none) pf_reply_none ;; *) pf_reply --data "$p" ;; esac',
        'done',
      ].join('\n'),
      { codec: 'length-prefixed' },
    );
    const [fail, none, ok] = await Promise.all(
      ['fail', 'none', 'ok'].map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
    );
    assert.equal(fail!.reason, 'the script answered fail: nope');
    assert.equal(succeeded(none!), undefined);
    assert.equal(succeeded(ok!), 'ok');
  });
});

for (const codec of ['lines', 'length-prefixed'] as const) {
  describe(`stream mode, ${codec} codec: the helper library`, () => {
    it('routes each output by its own records and publishes extra messages, any bytes', async () => {
      const logs: [ScriptLogLevel, string, string | undefined][] = [];
      const executor = streamExecutorFor(
        [
          'source "$PF_LIB"',
          'pf_log info "starting"',
          'while pf_next; do',
          '  pf_read_payload p',
          '  if [[ $p == route* ]]; then',
          '    pf_set_output_topic "out-$p"',
          '    pf_set_output_key "key-$p"',
          '    pf_clear_output_properties',
          '    pf_set_output_property n "$p"',
          '    printf "x\\0y\\n" | pf_publish extra --key k --property a b',
          '    pf_publish extra2 --data "$p"',
          '    pf_log warn "routed $p"',
          '  fi',
          '  pf_reply --data "$p"',
          'done',
        ].join('\n'),
        { codec, onLog: (level, text, invocation) => logs.push([level, text, invocation?.messageId]) },
      );
      const [plain, routed, after] = await Promise.all(
        ['plain', 'route-1', 'after'].map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
      );
      assert.deepEqual(plain!.output, {
        topic: undefined,
        payload: Buffer.from('plain'),
        key: 'key-1',
        properties: { origin: 'test' },
        eventTime: 1_699_999_999_000,
      });
      assert.deepEqual(plain!.extraMessages, []);
      assert.equal(routed!.output!.topic, 'out-route-1');
      assert.equal(routed!.output!.key, 'key-route-1');
      assert.deepEqual(routed!.output!.properties, { n: 'route-1' });
      assert.deepEqual(
        routed!.extraMessages.map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('latin1') })),
        [
          { topic: 'extra', payload: 'x\0y\n', key: 'k', properties: { a: 'b' } },
          { topic: 'extra2', payload: 'route-1', key: undefined, properties: {} },
        ],
      );
      assert.equal(after!.output!.topic, undefined, 'records apply to one message only');
      assert.deepEqual(after!.extraMessages, []);
      assert.deepEqual(
        logs.filter(([, text]) => text.startsWith('routed')),
        [['warn', 'routed route-1', '1:1:-1:-1']],
      );
      assert.ok(logs.some(([level, text]) => level === 'info' && text === 'starting'));
    });

    it('runs the stream router example', async () => {
      const executor = streamExecutorFor(
        `source ${JSON.stringify(path.join(examplesDir, 'stream/router.sh'))}`,
        {
          codec,
        },
      );
      const [fruit, other] = await Promise.all(
        ['Apple', 'rock'].map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
      );
      assert.equal(fruit!.output!.topic, 'persistent://public/default/fruits');
      assert.equal(fruit!.output!.properties.category, 'fruit');
      assert.equal(fruit!.output!.properties['source-id'], codec === 'lines' ? undefined : '1:0:-1:-1');
      assert.equal(succeeded(other!), undefined);
    });

    it('fails the message whose control records are malformed, and only that one', async () => {
      const frame = codec === 'lines' ? '\\0ctl 6\\nbogus\\n' : 'ctl 6\\nbogus\\n';
      const executor = streamExecutorFor(
        [
          'source "$PF_LIB"',
          'while pf_next; do',
          '  pf_read_payload p',
          `  [[ $p == bad ]] && printf "${frame}"`,
          '  pf_reply --data "$p"',
          'done',
        ].join('\n'),
        { codec },
      );
      const [bad, good] = await Promise.all(
        ['bad', 'good'].map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
      );
      assert.equal(bad!.outcome, 'failure');
      assert.equal(bad!.failureCode, 'control-malformed');
      assert.equal(succeeded(good!), 'good');
      assert.equal(executor.restarts, 0);
    });
  });
}

describe('stream mode: stderr and limits', () => {
  it('forwards stderr lines with the message being answered when they arrive', async () => {
    const lines: [string, string | undefined][] = [];
    const go = path.join(scratchDir(), 'go');
    execFileSync('mkfifo', [go]);
    // stderr and stdout are two pipes: a line is matched to the message in flight when it arrives, so the
    // script waits (on a FIFO the test writes) until its line was seen before it answers.
    const executor = streamExecutorFor(
      `echo "up" >&2\nwhile IFS= read -r line; do echo "working on $line" >&2; read -r _ <${JSON.stringify(go)}; printf "%s\\n" "$line"; done`,
      {
        codec: 'lines',
        onStderrLine: (line, invocation?: Invocation) => lines.push([line, invocation?.messageId]),
      },
    );
    for (const i of [1, 2]) {
      const run = executor.run(message(i));
      await waitUntil('the stderr line', () => lines.some(([line]) => line === `working on m-${i}`));
      writeFileSync(go, 'go\n');
      await run;
    }
    assert.deepEqual(
      lines.filter(([line]) => line.startsWith('working')),
      [
        ['working on m-1', '1:1:-1:-1'],
        ['working on m-2', '1:2:-1:-1'],
      ],
    );
    assert.ok(lines.some(([line]) => line === 'up'));
  });

  it('fails an output over maxOutputBytes and keeps the process in step', async () => {
    const executor = streamExecutorFor(
      'while IFS= read -r line; do [[ $line == big ]] && printf "%0200d\\n" 0 || printf "%s\\n" "$line"; done',
      { codec: 'lines', maxOutputBytes: 100 },
    );
    const [big, small] = await Promise.all(
      ['big', 'small'].map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
    );
    assert.equal(big!.failureCode, 'output-too-large');
    assert.match(big!.reason!, /200 bytes exceeds maxOutputBytes \(100\)/);
    assert.equal(succeeded(small!), 'small');
    assert.equal(executor.restarts, 0);
  });

  it('restarts a process that breaks the framing, failing the message it was answering', async () => {
    const executor = streamExecutorFor(
      'while read -r size _; do head -c "$size" >/dev/null; echo "not a frame"; done',
      { codec: 'length-prefixed' },
    );
    const result = await executor.run(message(1));
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'stream-protocol');
    assert.match(result.reason!, /broke the stream framing: reply 1: expected a frame header/);
    assert.equal(executor.restarts, 1);
  });
});
