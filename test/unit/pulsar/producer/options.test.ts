// Producer options: defaults, topic completion, and one clear error per bad field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../../../../src/pulsar/errors.ts';
import { producerDefaults, resolveProducerOptions } from '../../../../src/pulsar/producer/index.ts';
import type { ProducerOptions } from '../../../../src/pulsar/types.ts';

describe('resolveProducerOptions', () => {
  test('fills in the documented defaults and completes the topic name', () => {
    const resolved = resolveProducerOptions({ topic: 'orders' });
    assert.deepEqual(resolved, {
      topic: 'persistent://public/default/orders',
      producerName: undefined,
      sendTimeoutMs: 30_000,
      maxPendingMessages: 1000,
      blockIfQueueFull: true,
      batchingEnabled: true,
      batchingMaxMessages: 1000,
      batchingMaxBytes: 131_072,
      batchingMaxPublishDelayMs: 10,
      compressionType: 'NONE',
      initialSequenceId: undefined,
      properties: {},
    });
    assert.equal(producerDefaults.batchingMaxBytes, 128 * 1024);
  });

  test('keeps given values', () => {
    const resolved = resolveProducerOptions({
      topic: 'persistent://t/ns/x',
      producerName: 'p1',
      sendTimeoutMs: 0,
      maxPendingMessages: 5,
      blockIfQueueFull: false,
      batchingEnabled: false,
      batchingMaxMessages: 2,
      batchingMaxBytes: 10,
      batchingMaxPublishDelayMs: 1,
      compressionType: 'ZSTD',
      initialSequenceId: 7n,
      properties: { a: 'b' },
    });
    assert.equal(resolved.sendTimeoutMs, 0);
    assert.equal(resolved.compressionType, 'ZSTD');
    assert.equal(resolved.initialSequenceId, 7n);
    assert.deepEqual(resolved.properties, { a: 'b' });
  });

  const bad: [string, Partial<ProducerOptions> | Record<string, unknown>, string][] = [
    [
      'batchingMaxMessages',
      { batchingMaxMessages: 0 },
      'invalid batchingMaxMessages: expected a positive integer, got `0`',
    ],
    [
      'maxPendingMessages',
      { maxPendingMessages: 1.5 },
      'invalid maxPendingMessages: expected a positive integer, got `1.5`',
    ],
    [
      'sendTimeoutMs',
      { sendTimeoutMs: -1 },
      'invalid sendTimeoutMs: expected a non-negative integer, got `-1`',
    ],
    [
      'batchingMaxBytes',
      { batchingMaxBytes: '10' },
      'invalid batchingMaxBytes: expected a positive integer, got `10`',
    ],
    [
      'batchingMaxPublishDelayMs',
      { batchingMaxPublishDelayMs: 0 },
      'invalid batchingMaxPublishDelayMs: expected a positive integer, got `0`',
    ],
    [
      'blockIfQueueFull',
      { blockIfQueueFull: 'yes' },
      'invalid blockIfQueueFull: expected a boolean, got `yes`',
    ],
    ['batchingEnabled', { batchingEnabled: 1 }, 'invalid batchingEnabled: expected a boolean, got `1`'],
    [
      'compressionType',
      { compressionType: 'GZIP' },
      'invalid compressionType: expected one of NONE, LZ4, ZLIB, ZSTD, SNAPPY, got `GZIP`',
    ],
    ['producerName', { producerName: '' }, 'invalid producerName: expected a non-empty string, got ``'],
    [
      'initialSequenceId',
      { initialSequenceId: -1n },
      'invalid initialSequenceId: expected a bigint between 0 and 2^64-1, got `-1n`',
    ],
    [
      'initialSequenceId',
      { initialSequenceId: 3 },
      'invalid initialSequenceId: expected a bigint between 0 and 2^64-1, got `3`',
    ],
    ['properties.k', { properties: { k: 1 } }, 'invalid properties.k: expected a string, got `1`'],
  ];
  for (const [field, options, message] of bad) {
    test(`rejects a bad ${field}: ${message}`, () => {
      assert.throws(
        () => resolveProducerOptions({ topic: 't', ...options } as ProducerOptions),
        (error: unknown) =>
          error instanceof InvalidArgumentError && error.field === field && error.message === message,
      );
    });
  }

  test('rejects a bad topic', () => {
    assert.throws(() => resolveProducerOptions({ topic: '' }), InvalidArgumentError);
    assert.throws(() => resolveProducerOptions({ topic: 'a b' }), InvalidArgumentError);
  });
});
