// Batch payload format: Java-produced golden batch, round trips, bounds checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../../../src/pulsar/errors.ts';
import {
  decodeBatch,
  encodeBatch,
  encodeBatchEntryHeader,
  type SingleMessageMetadataInit,
} from '../../../../src/pulsar/protocol/index.ts';
import { golden } from './fixtures.ts';

const text = (b: Uint8Array) => Buffer.from(b).toString();

describe('batch', () => {
  test('decodes a batch written by Apache Java client', () => {
    const entries = decodeBatch(golden('batch', 'three_messages'), 3);
    assert.deepEqual(
      entries.map((e) => text(e.payload)),
      ['one', '', 'three'],
    );
    assert.equal(entries[0]!.metadata.partitionKey, 'k');
    assert.deepEqual(
      entries[0]!.metadata.properties.map((p) => [p.key, p.value]),
      [['x', 'y']],
    );
    assert.equal(entries[0]!.metadata.eventTime, 5n);
    assert.equal(entries[1]!.metadata.nullValue, true);
    assert.equal(entries[1]!.metadata.sequenceId, 1n);
    assert.equal(entries[2]!.metadata.compactedOut, true);
    assert.equal(text(entries[2]!.metadata.orderingKey!), 'ok');
  });

  test('encodes the same bytes as Apache Java client', () => {
    const batch = encodeBatch([
      {
        metadata: {
          properties: [{ key: 'x', value: 'y' }],
          partitionKey: 'k',
          eventTime: 5n,
          sequenceId: 0n,
        },
        payload: Buffer.from('one'),
      },
      { metadata: { nullValue: true, sequenceId: 1n }, payload: new Uint8Array(0) },
      { metadata: { compactedOut: true, orderingKey: Buffer.from('ok') }, payload: Buffer.from('three') },
    ]);
    assert.deepEqual(batch, golden('batch', 'three_messages'));
  });

  test('payload_size comes from the payload length', () => {
    const header = encodeBatchEntryHeader({ payloadSize: 999 }, 4);
    const [entry] = decodeBatch(Buffer.concat([header, Buffer.from('abcd')]), 1);
    assert.equal(entry!.metadata.payloadSize, 4);
  });

  test('round-trips any entries, with payloads as views into the batch', () => {
    const entryArb = fc.record({
      metadata: fc.record(
        {
          partitionKey: fc.string(),
          sequenceId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          eventTime: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        },
        { requiredKeys: [] },
      ),
      payload: fc.uint8Array({ maxLength: 64 }),
    });
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 20 }), (entries) => {
        const batch = encodeBatch(entries as { metadata: SingleMessageMetadataInit; payload: Uint8Array }[]);
        const decoded = decodeBatch(batch, entries.length);
        assert.equal(decoded.length, entries.length);
        decoded.forEach((d, i) => {
          assert.deepEqual(Buffer.from(d.payload), Buffer.from(entries[i]!.payload));
          assert.equal(d.metadata.partitionKey, entries[i]!.metadata.partitionKey ?? '');
          if (d.payload.length > 0) assert.equal(d.payload.buffer, batch.buffer);
        });
      }),
    );
  });

  test('a 1 MiB message and an empty batch', () => {
    const big = Buffer.alloc(1 << 20, 7);
    const [entry] = decodeBatch(encodeBatch([{ metadata: {}, payload: big }]), 1);
    assert.equal(entry!.payload.length, big.length);
    assert.deepEqual(decodeBatch(new Uint8Array(0), 0), []);
  });

  test('throws ProtocolError for truncated, oversize and inconsistent input', () => {
    const good = golden('batch', 'three_messages');
    assert.throws(() => decodeBatch(good, 4), ProtocolError, 'more messages than present');
    assert.throws(() => decodeBatch(good.subarray(0, good.length - 1), 3), ProtocolError, 'cut payload');
    assert.throws(() => decodeBatch(good.subarray(0, 2), 1), ProtocolError, 'cut size');
    assert.throws(() => decodeBatch(Buffer.from('7fffffff00', 'hex'), 1), ProtocolError, 'metadata size');
    assert.throws(() => decodeBatch(Buffer.from('00000002ffff', 'hex'), 1), ProtocolError, 'bad metadata');
    assert.throws(() => decodeBatch(Buffer.from('000000022001', 'hex'), 1), ProtocolError, 'no payload_size');
    assert.throws(
      () => decodeBatch(Buffer.from('0000000b18ffffffffffffffffff01', 'hex'), 1),
      ProtocolError,
      'negative',
    );
    assert.throws(() => decodeBatch(good, -1), ProtocolError);
    assert.throws(() => decodeBatch(good, 1.5), ProtocolError);
  });
});
