// The producer's hand-written batch writer must produce exactly the bytes of the protocol's encodeBatch
// (protobuf-es), for any message: checked over random messages with fast-check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { writeBatchPayload } from '../../../../src/pulsar/producer/batch-payload.ts';
import { decodeBatch, encodeBatch, keyValues } from '../../../../src/pulsar/protocol/index.ts';
import type { OutgoingMessage } from '../../../../src/pulsar/types.ts';

const message: fc.Arbitrary<OutgoingMessage> = fc.record(
  {
    payload: fc.uint8Array({ maxLength: 300 }),
    key: fc.string({ unit: 'binary', maxLength: 40 }),
    orderingKey: fc.uint8Array({ maxLength: 20 }),
    properties: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.string({ maxLength: 200 }), {
      maxKeys: 4,
    }),
    eventTime: fc.oneof(
      fc.constantFrom(0, 1, 127, 128, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER),
      fc.nat(),
    ),
  },
  { requiredKeys: ['payload'] },
);
const sequenceId = fc.oneof(
  fc.constantFrom(0n, 127n, 128n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

test('writeBatchPayload equals the protocol encodeBatch byte for byte', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ message, sequenceId }), { minLength: 1, maxLength: 5 }), (entries) => {
      const ours = writeBatchPayload(entries);
      const reference = encodeBatch(
        entries.map(({ message: m, sequenceId: id }) => ({
          metadata: {
            properties: m.properties === undefined ? undefined : keyValues(m.properties),
            partitionKey: m.key,
            orderingKey: m.orderingKey,
            eventTime: m.eventTime === undefined ? undefined : BigInt(m.eventTime),
            sequenceId: id,
          },
          payload: m.payload,
        })),
      );
      assert.equal(ours.toString('hex'), reference.toString('hex'));
      assert.equal(decodeBatch(ours, entries.length).length, entries.length);
    }),
    { numRuns: 500 },
  );
});
