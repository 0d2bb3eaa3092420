// The stream-mode reply grammar, without a process: frames and lines cut anywhere, limits, broken framing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ReplyEvent,
  ReplyReader,
  StreamProtocolError,
} from '../../../../../src/runtime/function-executor/stream/index.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const limits = { maxOutputBytes: 64, maxControlBytes: 32, maxReasonBytes: 8 };

/** Events as comparable values: data as latin1 strings. */
function shown(events: readonly ReplyEvent[]): unknown[] {
  return events.map((e) =>
    e.kind === 'too-large'
      ? e
      : e.kind === 'control'
        ? { kind: 'control', data: Buffer.from(e.data).toString('latin1') }
        : { kind: 'reply', status: e.status, data: Buffer.from(e.data).toString('latin1') },
  );
}

/** Feeds `input` cut at `cuts`. */
function readAll(codec: 'lines' | 'length-prefixed', input: Uint8Array, cuts: number[] = []): unknown[] {
  const reader = new ReplyReader(codec, limits);
  const events: ReplyEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    events.push(...reader.push(input.subarray(from, cut)));
    from = cut;
  }
  assert.ok(reader.atBoundary, 'the stream ends between replies');
  return shown(events);
}

describe('ReplyReader, length-prefixed codec', () => {
  const stream = bytes('ctl 9\n3:log,\nxxok 5\na\0\n\xffbok 0\nfail 3\nwhyfail-permanent 2\nno');

  it('cuts frames whose data is any bytes', () => {
    const events = readAll('length-prefixed', bytes('ok 5\na\0\n\xffbok 0\nfail 3\nwhy'));
    assert.deepEqual(events, [
      { kind: 'reply', status: 'ok', data: 'a\0\n\xffb' },
      { kind: 'reply', status: 'ok', data: '' },
      { kind: 'reply', status: 'fail', data: 'why' },
    ]);
  });

  it('gives the same events wherever the chunks are cut', () => {
    const whole = readAll('length-prefixed', stream);
    assert.deepEqual(whole, [
      { kind: 'control', data: '3:log,\nxx' },
      { kind: 'reply', status: 'ok', data: 'a\0\n\xffb' },
      { kind: 'reply', status: 'ok', data: '' },
      { kind: 'reply', status: 'fail', data: 'why' },
      { kind: 'reply', status: 'fail-permanent', data: 'no' },
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(readAll('length-prefixed', stream, [cut]), whole, `cut at ${cut}`);
    }
    const oneByOne = Array.from({ length: stream.length }, (_, i) => i);
    assert.deepEqual(readAll('length-prefixed', stream, oneByOne), whole);
  });

  it('counts replies, not control frames', () => {
    const reader = new ReplyReader('length-prefixed', limits);
    reader.push(bytes('ctl 1\nxok 1\nyok 0\n'));
    assert.equal(reader.replies, 2);
  });

  it('skips a frame over its limit and stays in step', () => {
    const big = 'x'.repeat(65);
    const events = readAll('length-prefixed', bytes(`ok 65\n${big}ctl 33\n${'c'.repeat(33)}ok 1\nz`));
    assert.deepEqual(events, [
      { kind: 'too-large', frame: 'ok', size: 65 },
      { kind: 'too-large', frame: 'ctl', size: 33 },
      { kind: 'reply', status: 'ok', data: 'z' },
    ]);
  });

  it('cuts a long failure reason instead of refusing it', () => {
    const events = readAll('length-prefixed', bytes('fail 20\n0123456789abcdefghijok 0\n'));
    assert.deepEqual(events, [
      { kind: 'reply', status: 'fail', data: '01234567' },
      { kind: 'reply', status: 'ok', data: '' },
    ]);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['a bare line', 'hello\n', /reply 1: expected a frame header .*got "hello"/],
    ['an unknown word', 'okay 1\nx', /got "okay 1"/],
    ['no size', 'ok\n', /expected a size after 'ok', got ""/],
    ['a leading zero', 'ok 01\nx', /expected a size after 'ok', got "01"/],
    ['a sign', 'ok -1\n', /got "-1"/],
    ['two spaces', 'ok  1\nx', /got " 1"/],
    ['too many digits', 'ok 1234567890123456\n', /got "1234567890123456"/],
    ['a header without its line feed', `ok ${'1'.repeat(60)}`, /longer than a header can be/],
    ['the second reply broken', 'ok 0\nnope\n', /reply 2: /],
  ];
  for (const [what, input, message] of malformed) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => new ReplyReader('length-prefixed', limits).push(bytes(input)),
        (error: unknown) => error instanceof StreamProtocolError && message.test(error.message),
      );
    });
  }
});

describe('ReplyReader, lines codec', () => {
  it('reads one reply per line; an empty line is an empty output', () => {
    const events = readAll('lines', bytes('abc\n\n\xff\r\t x\n'));
    assert.deepEqual(events, [
      { kind: 'reply', status: 'ok', data: 'abc' },
      { kind: 'reply', status: 'ok', data: '' },
      { kind: 'reply', status: 'ok', data: '\xff\r\t x' },
    ]);
  });

  it('reads a frame after a NUL: failures, control records, outputs with newlines', () => {
    const stream = bytes('a\n\0fail 3\nwhy\0ctl 7\n3:log,\nb\n\0ok 3\nx\nyc\n');
    const expected = [
      { kind: 'reply', status: 'ok', data: 'a' },
      { kind: 'reply', status: 'fail', data: 'why' },
      { kind: 'control', data: '3:log,\n' },
      { kind: 'reply', status: 'ok', data: 'b' },
      { kind: 'reply', status: 'ok', data: 'x\ny' },
      { kind: 'reply', status: 'ok', data: 'c' },
    ];
    assert.deepEqual(readAll('lines', stream), expected);
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(readAll('lines', stream, [cut]), expected, `cut at ${cut}`);
    }
  });

  it('skips a line over the output limit and stays in step', () => {
    const events = readAll('lines', bytes(`${'x'.repeat(100)}\nok\n`), [10, 50, 90]);
    assert.deepEqual(events, [
      { kind: 'too-large', frame: 'ok', size: 100 },
      { kind: 'reply', status: 'ok', data: 'ok' },
    ]);
  });

  it('is between replies only after a whole line', () => {
    const reader = new ReplyReader('lines', limits);
    reader.push(bytes('partial'));
    assert.equal(reader.atBoundary, false);
    reader.push(bytes('\n'));
    assert.equal(reader.atBoundary, true);
  });

  it('rejects a broken frame after a NUL', () => {
    assert.throws(() => new ReplyReader('lines', limits).push(bytes('\0oops\n')), StreamProtocolError);
  });
});
