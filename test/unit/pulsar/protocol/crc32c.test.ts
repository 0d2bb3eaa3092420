// CRC32C against published check values and against @aws-crypto/crc32c.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c as awsCrc32c } from '@aws-crypto/crc32c';
import fc from 'fast-check';
import { crc32c } from '../../../../src/pulsar/protocol/index.ts';

test('matches the CRC-32C check value and the RFC 3720 (iSCSI) test patterns', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('agrees with @aws-crypto/crc32c, and continues over split input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
      const at = Math.min(cut, data.length);
      assert.equal(crc32c(data), awsCrc32c(data));
      assert.equal(crc32c(data.subarray(at), crc32c(data.subarray(0, at))), crc32c(data));
    }),
  );
});
