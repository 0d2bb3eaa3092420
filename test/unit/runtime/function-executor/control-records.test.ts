import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlProtocolError } from '../../../../src/runtime/function-executor/control-reader.ts';
import { ControlRecords } from '../../../../src/runtime/function-executor/control-records.ts';
import { invocation } from './helpers.ts';

const record = (...fields: Array<string | Uint8Array>) =>
  fields.map((f) => (typeof f === 'string' ? Buffer.from(f, 'utf8') : f));
const payload = Buffer.from('out');

describe('ControlRecords', () => {
  it('without records the output inherits the key, properties and event time', () => {
    const output = new ControlRecords().output(payload, invocation(), true);
    assert.deepEqual(output, {
      topic: undefined,
      payload,
      key: 'key-1',
      properties: { origin: 'test' },
      eventTime: 1_699_999_999_000,
    });
  });

  it('does not inherit properties when forwarding is off', () => {
    assert.deepEqual(new ControlRecords().output(payload, invocation(), false)?.properties, {});
  });

  it('an empty payload is no output (a filter), whatever was set', () => {
    const records = new ControlRecords();
    records.apply(record('output-topic', 't'), 1);
    assert.equal(records.output(new Uint8Array(0), invocation(), true), undefined);
  });

  it('sets the topic, the key and properties; later records win', () => {
    const records = new ControlRecords();
    records.apply(record('output-topic', 't1'), 1);
    records.apply(record('output-topic', 't2'), 2);
    records.apply(record('output-key', 'k'), 3);
    records.apply(record('output-property', 'origin', 'changed'), 4);
    records.apply(record('output-property', 'new', 'v'), 5);
    const output = records.output(payload, invocation(), true);
    assert.equal(output?.topic, 't2');
    assert.equal(output?.key, 'k');
    assert.deepEqual(output?.properties, { origin: 'changed', new: 'v' });
  });

  it('clears the key and the properties', () => {
    const records = new ControlRecords();
    records.apply(record('output-property', 'a', '1'), 1);
    records.apply(record('output-no-properties'), 2);
    records.apply(record('output-property', 'b', '2'), 3);
    records.apply(record('output-no-key'), 4);
    const output = records.output(payload, invocation(), true);
    assert.equal(output?.key, undefined);
    assert.deepEqual(output?.properties, { b: '2' });
  });

  it('collects extra messages with their options, payload bytes untouched', () => {
    const records = new ControlRecords();
    const bin = Uint8Array.from([0, 255, 10, 0xc3]);
    records.apply(record('publish', 'a', bin), 1);
    records.apply(record('publish', 'b', '', 'key', 'k', 'property', 'p', 'v', 'property', 'q', ''), 2);
    assert.deepEqual(records.extraMessages(), [
      { topic: 'a', payload: bin, key: undefined, properties: {} },
      { topic: 'b', payload: Buffer.alloc(0), key: 'k', properties: { p: 'v', q: '' } },
    ]);
  });

  it('returns log lines', () => {
    assert.deepEqual(new ControlRecords().apply(record('log', 'warn', 'careful\nnow'), 1), {
      level: 'warn',
      message: 'careful\nnow',
    });
  });

  const invalid: Array<[string, Array<string | Uint8Array>, RegExp]> = [
    ['an unknown kind', ['frobnicate'], /record 7: unknown record kind 'frobnicate'/],
    ['a missing field', ['output-topic'], /'output-topic' takes 1 field, got 0/],
    ['an extra field', ['output-no-key', 'x'], /'output-no-key' takes 0 fields, got 1/],
    ['an empty topic', ['output-topic', ''], /the topic is empty/],
    ['an empty property name', ['output-property', '', 'v'], /the property name is empty/],
    ['text that is not UTF-8', ['output-key', Uint8Array.from([0xff])], /the key is not valid UTF-8/],
    ['publish without payload', ['publish', 't'], /'publish' takes a topic and a payload/],
    ['an unknown publish option', ['publish', 't', 'p', 'color', 'red'], /option 'color' is unknown/],
    [
      'a publish option without value',
      ['publish', 't', 'p', 'key'],
      /option 'key' is unknown or lacks its value/,
    ],
    ['an unknown log level', ['log', 'loud', 'x'], /unknown log level 'loud'/],
  ];
  for (const [what, fields, message] of invalid) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => new ControlRecords().apply(record(...fields), 7),
        (error: unknown) => error instanceof ControlProtocolError && message.test(error.message),
      );
    });
  }
});
