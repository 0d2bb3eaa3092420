// Producer options, checked and completed with their defaults once, when the producer is created. Nothing
// on the send path validates options again.
import { InvalidArgumentError } from '../errors.ts';
import { parseTopicName } from '../lookup/topic-name.ts';
import { CompressionType, type ProducerOptions } from '../types.ts';

/** ProducerOptions with every default filled in and the topic completed to its full name. */
export interface ResolvedProducerOptions {
  readonly topic: string;
  readonly producerName: string | undefined;
  readonly sendTimeoutMs: number;
  readonly maxPendingMessages: number;
  readonly blockIfQueueFull: boolean;
  readonly batchingEnabled: boolean;
  readonly batchingMaxMessages: number;
  readonly batchingMaxBytes: number;
  readonly batchingMaxPublishDelayMs: number;
  readonly compressionType: CompressionType;
  readonly initialSequenceId: bigint | undefined;
  readonly properties: Readonly<Record<string, string>>;
}

export const producerDefaults = {
  sendTimeoutMs: 30_000,
  maxPendingMessages: 1000,
  blockIfQueueFull: true,
  batchingEnabled: true,
  batchingMaxMessages: 1000,
  batchingMaxBytes: 128 * 1024,
  batchingMaxPublishDelayMs: 10,
  compressionType: CompressionType.None,
} as const;

const compressionTypes: ReadonlySet<string> = new Set(Object.values(CompressionType));
const MAX_UINT64 = (1n << 64n) - 1n;

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function invalid(field: string, expected: string, value: unknown): InvalidArgumentError {
  // Reads as "invalid batchingMaxMessages: expected a positive integer, got `0`".
  return new InvalidArgumentError(field, `expected ${expected}, got \`${show(value)}\``);
}

function integer(field: string, value: unknown, fallback: number, min: 0 | 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(field, min === 0 ? 'a non-negative integer' : 'a positive integer', value);
  }
  return value;
}

function boolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, 'a boolean', value);
  return value;
}

function stringRecord(field: string, value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(field, 'an object of string values', value);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalid(`${field}.${key}`, 'a string', item);
  }
  return { ...(value as Record<string, string>) };
}

/** Checks every option and fills in the defaults; throws InvalidArgumentError naming the first bad field. */
export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  const topic = parseTopicName(options.topic, 'topic').full;

  const producerName = options.producerName;
  if (producerName !== undefined && (typeof producerName !== 'string' || producerName.length === 0)) {
    throw invalid('producerName', 'a non-empty string', producerName);
  }

  const compressionType = options.compressionType ?? producerDefaults.compressionType;
  if (!compressionTypes.has(compressionType)) {
    throw invalid('compressionType', `one of ${[...compressionTypes].join(', ')}`, compressionType);
  }

  const initialSequenceId = options.initialSequenceId;
  if (
    initialSequenceId !== undefined &&
    (typeof initialSequenceId !== 'bigint' || initialSequenceId < 0n || initialSequenceId > MAX_UINT64)
  ) {
    throw invalid('initialSequenceId', 'a bigint between 0 and 2^64-1', initialSequenceId);
  }

  return {
    topic,
    producerName,
    sendTimeoutMs: integer('sendTimeoutMs', options.sendTimeoutMs, producerDefaults.sendTimeoutMs, 0),
    maxPendingMessages: integer(
      'maxPendingMessages',
      options.maxPendingMessages,
      producerDefaults.maxPendingMessages,
      1,
    ),
    blockIfQueueFull: boolean(
      'blockIfQueueFull',
      options.blockIfQueueFull,
      producerDefaults.blockIfQueueFull,
    ),
    batchingEnabled: boolean('batchingEnabled', options.batchingEnabled, producerDefaults.batchingEnabled),
    batchingMaxMessages: integer(
      'batchingMaxMessages',
      options.batchingMaxMessages,
      producerDefaults.batchingMaxMessages,
      1,
    ),
    batchingMaxBytes: integer(
      'batchingMaxBytes',
      options.batchingMaxBytes,
      producerDefaults.batchingMaxBytes,
      1,
    ),
    // At least 1 ms, as in Apache's Java client: a zero delay would mean a timer per message.
    batchingMaxPublishDelayMs: integer(
      'batchingMaxPublishDelayMs',
      options.batchingMaxPublishDelayMs,
      producerDefaults.batchingMaxPublishDelayMs,
      1,
    ),
    compressionType,
    initialSequenceId,
    properties: stringRecord('properties', options.properties),
  };
}
