import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ControlProtocolError,
  ControlRecordReader,
} from '../../../../src/runtime/function-executor/control-reader.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const strings = (records: Uint8Array[][]) =>
  records.map((fields) => fields.map((f) => Buffer.from(f).toString('latin1')));

/** Feeds `input` split at every position given, collecting all records. */
function readAll(input: Uint8Array, cuts: number[] = [], max = 1024): Uint8Array[][] {
  const reader = new ControlRecordReader(max);
  const records: Uint8Array[][] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    records.push(...reader.push(input.subarray(from, cut)));
    from = cut;
  }
  reader.end();
  return records;
}

describe('ControlRecordReader', () => {
  const stream = bytes(
    '12:output-topic,2:t1,\n7:publish,2:t2,5:a\n\0,\xff,3:key,0:,\n20:output-no-properties,\n',
  );
  const expected = [
    ['output-topic', 't1'],
    ['publish', 't2', 'a\n\0,\xff', 'key', ''],
    ['output-no-properties'],
  ];

  it('cuts records of netstring fields, any bytes inside a field', () => {
    assert.deepEqual(strings(readAll(stream)), expected);
  });

  it('gives the same records wherever the chunks are cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(strings(readAll(stream, [cut])), expected, `cut at ${cut}`);
    }
    const oneByOne = Array.from({ length: stream.length }, (_, i) => i);
    assert.deepEqual(strings(readAll(stream, oneByOne)), expected);
  });

  it('reads nothing from an empty stream', () => {
    assert.deepEqual(readAll(new Uint8Array(0)), []);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['text that is not a record', 'hello\n', /record 1: expected a field length or a line feed, got 'h'/],
    ['an empty record', '\n', /record 1: empty record/],
    ['a missing comma', '3:log,4:info5:hello,\n', /record 1: expected ',' after a field's bytes, got '5'/],
    ['a leading zero', '03:log,\n', /leading zero/],
    ['no digits before the colon', '3:log,:x,\n', /expected a field length or a line feed, got ':'/],
    ['a sign', '-1:x,\n', /expected a field length/],
    ['too many digits', '1234567890123456:x,\n', /too many digits/],
    ['a field over the limit', '2000:x', /record 1: a field of 2000 bytes exceeds the limit of 1024/],
    ['the second record broken', '3:log,\n3:log,4:x\n', /record 2: /],
  ];
  for (const [what, input, message] of malformed) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => readAll(bytes(input)),
        (error: unknown) => {
          assert.ok(error instanceof ControlProtocolError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('refuses a stream that ends inside a record', () => {
    for (const input of ['3:log,', '3:lo', '3', '3:log']) {
      const reader = new ControlRecordReader(1024);
      reader.push(bytes(input));
      assert.throws(() => reader.end(), /ended inside a record/, input);
    }
  });
});
