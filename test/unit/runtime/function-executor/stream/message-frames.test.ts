// What the runtime writes on a stream-mode script's stdin, byte for byte (the grammar in message-frames.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  lengthPrefixedFrame,
  linesFrame,
  percentEncode,
} from '../../../../../src/runtime/function-executor/stream/index.ts';
import { invocation } from '../helpers.ts';

function written(frame: ReturnType<typeof linesFrame>): string {
  assert.ok('parts' in frame, 'problem' in frame ? frame.problem : '');
  return Buffer.concat(frame.parts).toString('latin1');
}

describe('lines codec frames', () => {
  it('is the payload and a newline', () => {
    assert.equal(written(linesFrame(Buffer.from('a b\r\t\0\xff', 'latin1'))), 'a b\r\t\0\xff\n');
    assert.equal(written(linesFrame(new Uint8Array(0))), '\n');
  });

  it('refuses a payload holding a newline, saying where and what to use instead', () => {
    const frame = linesFrame(Buffer.from('one\ntwo'));
    assert.ok('problem' in frame);
    assert.match(frame.problem, /holds a newline \(at byte 3\).*PF_STREAM_CODEC=length-prefixed/);
  });
});

describe('length-prefixed codec frames', () => {
  it('writes the header of the grammar, then the payload', () => {
    const frame = lengthPrefixedFrame(
      invocation({
        payload: Buffer.from('hé\0'),
        messageId: '12:34:-1:-1',
        key: 'k 1',
        topic: 'persistent://public/default/in',
        publishTime: 1_700_000_000_000,
        eventTime: 1_699_999_999_000,
        redeliveryCount: 2,
        properties: { a: 'b c', n: 'x\ny' },
      }),
    );
    assert.equal(
      Buffer.concat('parts' in frame ? frame.parts : []).toString('utf8'),
      '4 12:34:-1:-1 persistent://public/default/in +k%201 1700000000000 1699999999000 2 1 {"a":"b c","n":"x\\ny"}\nhé\0',
    );
  });

  it('marks a missing key and event time with "-", an empty key with a bare "+"', () => {
    const none = written(
      lengthPrefixedFrame(invocation({ key: undefined, eventTime: undefined, payload: Buffer.from('x') })),
    );
    assert.match(none, /^1 \S+ \S+ - \d+ - 2 0 /);
    const empty = written(lengthPrefixedFrame(invocation({ key: '', payload: Buffer.from('x') })));
    assert.match(empty, /^1 \S+ \S+ \+ /);
  });

  it('never puts a raw line feed in the header', () => {
    const frame = written(
      lengthPrefixedFrame(
        invocation({ key: '\n', properties: { '\n': '\n\u2028' }, payload: Buffer.from('\n') }),
      ),
    );
    assert.equal(
      frame.indexOf('\n'),
      frame.length - 2,
      'the only line feeds end the header and are the payload',
    );
  });
});

describe('percentEncode', () => {
  it('encodes controls, space, %, backslash and DEL; keeps everything else, UTF-8 included', () => {
    assert.equal(percentEncode('a b%c\\d\x7f\x00\x1f\t\nü-+'), 'a%20b%25c%5Cd%7F%00%1F%09%0Aü-+');
  });
});
