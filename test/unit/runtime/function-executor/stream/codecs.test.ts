// Stream mode against real bash: both codecs end to end, byte for byte, and the metadata of each message.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import { examplesDir } from '../helpers.ts';
import { ECHO_LINES, message, streamExecutorFor, succeeded } from './helpers.ts';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const example = (name: string) => path.join(examplesDir, 'stream', name);
const fileBody = (name: string) => `source ${JSON.stringify(example(name))}`;

describe('stream mode, lines codec', () => {
  it('answers each line with its reply line, byte-exact (UTF-8, invalid UTF-8, CR, tabs)', async () => {
    const executor = streamExecutorFor(ECHO_LINES, { codec: 'lines' });
    const payloads = [
      Buffer.from('hello'),
      Buffer.from('añb €'),
      Buffer.from(' \t spaced \t '),
      Buffer.from('cr\r'),
      Buffer.from('\xff\xfe\x80 invalid', 'latin1'),
      Buffer.from('\\ no escapes $(x) `y`'),
    ];
    const results = await Promise.all(payloads.map((payload, i) => executor.run(message(i, { payload }))));
    assert.deepEqual(
      results.map((r) => Buffer.from(r.output!.payload)),
      payloads,
    );
  });

  it('gives no output message for an empty reply line (an empty payload, or a filter)', async () => {
    const executor = streamExecutorFor(
      'while IFS= read -r line; do [[ $line == drop* ]] && echo || printf "%s\\n" "$line"; done',
      { codec: 'lines' },
    );
    assert.equal(succeeded(await executor.run(message(1, { payload: Buffer.from('dropped') }))), undefined);
    assert.equal(succeeded(await executor.run(message(2, { payload: new Uint8Array(0) }))), undefined);
    assert.equal(succeeded(await executor.run(message(3, { payload: Buffer.from('kept') }))), 'kept');
  });

  it('fails a payload holding a newline permanently, for that message only; the process keeps running', async () => {
    const executor = streamExecutorFor(ECHO_LINES, { codec: 'lines' });
    assert.equal(succeeded(await executor.run(message(1))), 'm-1');
    const [pid] = executor.pids;
    const bad = await executor.run(message(2, { payload: Buffer.from('two\nlines') }));
    assert.equal(bad.outcome, 'permanent-failure');
    assert.equal(bad.failureCode, 'payload-not-passable');
    assert.match(bad.reason!, /newline \(at byte 3\)/);
    assert.equal(succeeded(await executor.run(message(3))), 'm-3');
    assert.deepEqual(executor.pids, [pid]);
  });

  it('runs the upper.sh and reverse.sh examples', async () => {
    const upper = streamExecutorFor(fileBody('upper.sh'), { codec: 'lines' });
    assert.equal(succeeded(await upper.run(message(1, { payload: Buffer.from('Hello') }))), 'HELLO');
    const reverse = streamExecutorFor(fileBody('reverse.sh'), { codec: 'lines' });
    const reversed = await reverse.run(message(1, { payload: Buffer.from('añb hello') }));
    assert.equal(Buffer.from(reversed.output!.payload).toString('utf8'), 'olleh bña');
  });

  it('passes the 255 byte values a line can hold, in one message', async () => {
    const executor = streamExecutorFor(ECHO_LINES, { codec: 'lines', parentEnv: { LC_ALL: 'C' } });
    // bash's read drops NUL, so a line codec script sees every value but NUL and LF.
    const payload = allBytes.filter((b) => b !== 0x0a && b !== 0x00);
    const result = await executor.run(message(1, { payload }));
    assert.deepEqual(Buffer.from(result.output!.payload), Buffer.from(payload));
  });
});

describe('stream mode, length-prefixed codec', () => {
  it('passes all 256 byte values through the bash skeleton (head -c), byte-exact', async () => {
    const executor = streamExecutorFor(fileBody('upper-bytes.sh'), { codec: 'length-prefixed' });
    const upper = (bytes: Uint8Array) => Buffer.from(bytes.map((b) => (b >= 0x61 && b <= 0x7a ? b - 32 : b)));
    const whole = await executor.run(message(1, { payload: allBytes }));
    assert.deepEqual(Buffer.from(whole.output!.payload), upper(allBytes));
    // Each value alone, pipelined: a lone NUL or LF must not shift the framing of the next message.
    const single = await Promise.all(
      [...allBytes].map((b) => executor.run(message(b, { payload: Uint8Array.of(b) }))),
    );
    assert.deepEqual(
      single.map((r) => Buffer.from(r.output!.payload)),
      [...allBytes].map((b) => upper(Uint8Array.of(b))),
    );
  });

  it('passes all 256 byte values through the helper library (pf_payload | … | pf_reply)', async () => {
    const executor = streamExecutorFor(
      'source "$PF_LIB"\nwhile pf_next; do pf_payload | cat | pf_reply; done',
      { codec: 'length-prefixed', trimTrailingNewline: false },
    );
    const payloads = [allBytes, Uint8Array.of(0), Uint8Array.of(0x0a), new Uint8Array(0), randomBytes(3000)];
    const results = await Promise.all(payloads.map((p, i) => executor.run(message(i, { payload: p }))));
    assert.equal(results[3]!.output, undefined, 'an empty reply is no output message');
    for (const i of [0, 1, 2, 4])
      assert.deepEqual(Buffer.from(results[i]!.output!.payload), Buffer.from(payloads[i]!));
  });

  it('reads text into a variable without starting a process, and refuses a payload with NUL there', async () => {
    const executor = streamExecutorFor(
      [
        'source "$PF_LIB"',
        'while pf_next; do',
        '  if pf_read_payload text; then pf_reply --data "<$text>"; else pf_payload >/dev/null; pf_reply_fail --permanent has NUL; fi',
        'done',
      ].join('\n'),
      { codec: 'length-prefixed' },
    );
    const text = 'line one\nline two\n\n  \\n $(date) \xff';
    const ok = await executor.run(message(1, { payload: Buffer.from(text, 'latin1') }));
    assert.equal(succeeded(ok), `<${text}>`);
    const nul = await executor.run(message(2, { payload: Buffer.from('a\0b') }));
    assert.equal(nul.outcome, 'permanent-failure');
    assert.equal(nul.reason, 'the script answered fail-permanent: has NUL');
    const big = 'x'.repeat(100_000);
    assert.equal(succeeded(await executor.run(message(3, { payload: Buffer.from(big) }))), `<${big}>`);
  });

  it('passes a 5 MB payload through', async () => {
    const executor = streamExecutorFor(fileBody('upper-bytes.sh'), { codec: 'length-prefixed' });
    const payload = Buffer.from(randomBytes(5 * 1024 * 1024).map((b) => (b >= 0x61 && b <= 0x7a ? 0x41 : b)));
    const result = await executor.run(message(1, { payload }));
    assert.equal(result.outcome, 'success', result.reason);
    assert.ok(Buffer.from(result.output!.payload).equals(payload));
  });

  it('gives each message its own metadata in PF_MESSAGE_* (pf_next)', async () => {
    const executor = streamExecutorFor(
      [
        'source "$PF_LIB"',
        'while pf_next; do',
        '  pf_payload >/dev/null',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
        '  printf -v out "%s|" "$PF_MESSAGE_ID" "${PF_MESSAGE_KEY-<none>}" "$PF_MESSAGE_TOPIC" "$PF_MESSAGE_PUBLISH_TIME" \\',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
        '    "${PF_MESSAGE_EVENT_TIME-<none>}" "$PF_MESSAGE_REDELIVERY_COUNT" "$PF_MESSAGE_SIZE" "$PF_MESSAGE_PROPERTIES" \\',
        '    "$(pf_get_property a || echo "<no a>")" "$(bash -c \'echo "$PF_MESSAGE_ID"\')"',
        '  pf_reply --data "$out"',
        'done',
      ].join('\n'),
      { codec: 'length-prefixed' },
    );
    const first = await executor.run(
      message(7, {
        key: 'k 1\n%20\\n€',
        eventTime: 1_699_999_999_000,
        redeliveryCount: 3,
        topic: 'persistent://public/default/in-x',
        properties: { a: 'x y\n"z"', b: '' },
        payload: Buffer.from('four'),
      }),
    );
    assert.equal(
      Buffer.from(first.output!.payload).toString('utf8'),
      '1:7:-1:-1|k 1\n%20\\n€|persistent://public/default/in-x|1700000000000|1699999999000|3|4|{"a":"x y\\n\\"z\\"","b":""}|x y\n"z"|1:7:-1:-1|',
    );
    // The next message replaces every variable, unsetting those it has no value for.
    const second = await executor.run(
      message(8, {
        key: undefined,
        eventTime: undefined,
        redeliveryCount: 0,
        properties: {},
        payload: new Uint8Array(0),
      }),
    );
    assert.equal(
      Buffer.from(second.output!.payload).toString('utf8'),
      '1:8:-1:-1|<none>|persistent://public/default/in-a|1700000000000|<none>|0|0|{}|<no a>|1:8:-1:-1|',
    );
    const emptyKey = await executor.run(message(9, { key: '' }));
    assert.match(Buffer.from(emptyKey.output!.payload).toString('utf8'), /^1:9:-1:-1\|\|/);
    const nulKey = await executor.run(message(10, { key: 'a\0b' }));
    assert.match(Buffer.from(nulKey.output!.payload).toString('utf8'), /^1:10:-1:-1\|<none>\|/);
  });
});
