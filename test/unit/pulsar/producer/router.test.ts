// Partition routing, against vectors computed by Java itself (java-hash-vectors.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PartitionRouter, partitionForKey } from '../../../../src/pulsar/producer/router.ts';
import { javaStringHash } from '../../../../src/pulsar/protocol/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { javaHashVectors } from './java-hash-vectors.ts';

describe('partitionForKey', () => {
  for (const [key, hash, of4, of3, of7] of javaHashVectors) {
    test(`${JSON.stringify(key)} routes as Java's RoundRobinPartition router does`, () => {
      assert.equal(javaStringHash(key), hash);
      assert.equal(partitionForKey(key, 4), of4);
      assert.equal(partitionForKey(key, 3), of3);
      assert.equal(partitionForKey(key, 7), of7);
    });
  }
});

describe('PartitionRouter', () => {
  test('keyed messages follow the key hash whatever the round-robin state', () => {
    const router = new PartitionRouter({
      partitions: 7,
      batchingEnabled: false,
      batchingMaxPublishDelayMs: 10,
      clock: new FakeClock(),
      startIndex: 3,
    });
    for (const [key, , , , of7] of javaHashVectors) {
      router.choose(undefined);
      assert.equal(router.choose(key), of7);
    }
  });

  test('without batching, unkeyed messages go round-robin from the start index', () => {
    const router = new PartitionRouter({
      partitions: 3,
      batchingEnabled: false,
      batchingMaxPublishDelayMs: 10,
      clock: new FakeClock(),
      startIndex: 2,
    });
    assert.deepEqual(
      Array.from({ length: 7 }, () => router.choose(undefined)),
      [2, 0, 1, 2, 0, 1, 2],
    );
  });

  test('with batching, unkeyed messages stay on one partition per window of 10 publish delays', () => {
    const clock = new FakeClock(1_000_000);
    const router = new PartitionRouter({
      partitions: 4,
      batchingEnabled: true,
      batchingMaxPublishDelayMs: 5,
      clock,
      startIndex: 1,
    });
    // Window = 50 ms; 1_000_000 / 50 = 20000 ≡ 0 (mod 4), so the first window is the start index.
    const first = router.choose(undefined);
    assert.equal(first, 1);
    clock.advance(49);
    assert.equal(router.choose(undefined), 1);
    clock.advance(1);
    assert.equal(router.choose(undefined), 2);
    clock.advance(50);
    assert.equal(router.choose(undefined), 3);
    clock.advance(50);
    assert.equal(router.choose(undefined), 0);
  });
});
