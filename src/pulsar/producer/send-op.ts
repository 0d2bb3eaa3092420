// Builds the SEND frame parts (command, MessageMetadata, compressed payload) for one message or one batch.
//
// Single message: MessageMetadata carries key, ordering key, properties and event time; the payload is the
// message (compressed). Batch: MessageMetadata has num_messages_in_batch = n, sequence_id of the first and
// highest_sequence_id of the last message; each message's own fields go in its SingleMessageMetadata and
// the whole batch payload is compressed at once. uncompressed_size is always the size before compression.
// A payload that does not shrink (an empty one, random bytes) goes uncompressed, without the compression
// field: consumers decode per message anyway, and Apache's C++ client cannot inflate an empty ZLIB payload.
import {
  compress,
  create,
  keyValues,
  type MessageMetadata,
  MessageMetadataSchema,
  ProtoCompressionType,
  sendCommand,
} from '../protocol/index.ts';
import { CompressionType, type OutgoingMessage } from '../types.ts';
import { writeBatchPayload } from './batch-payload.ts';
import type { PendingMessage, SendOp } from './pending-message.ts';

/** When a frame is built: publish_time is wall-clock time; the send timeout runs on the monotonic clock. */
export interface OpTime {
  /** Milliseconds since the epoch (clock.now()). */
  readonly publishTime: number;
  /** Monotonic milliseconds (see Clock.monotonicNow). */
  readonly createdAt: number;
}

export interface OpContext {
  readonly producerId: bigint;
  /** The name the broker confirmed (it goes in every message's metadata). */
  readonly producerName: string;
  readonly compressionType: CompressionType;
}

const protoCompression: Readonly<Record<CompressionType, ProtoCompressionType>> = {
  [CompressionType.None]: ProtoCompressionType.NONE,
  [CompressionType.LZ4]: ProtoCompressionType.LZ4,
  [CompressionType.ZLIB]: ProtoCompressionType.ZLIB,
  [CompressionType.ZSTD]: ProtoCompressionType.ZSTD,
  [CompressionType.SNAPPY]: ProtoCompressionType.SNAPPY,
};

function eventTimeOf(message: OutgoingMessage): bigint | undefined {
  return message.eventTime === undefined ? undefined : BigInt(message.eventTime);
}

export function buildSingleOp(context: OpContext, pending: PendingMessage, time: OpTime): SendOp {
  const message = pending.message;
  const type = protoCompression[context.compressionType];
  const raw = message.payload;
  const metadata = create(MessageMetadataSchema, {
    producerName: context.producerName,
    sequenceId: pending.sequenceId,
    publishTime: BigInt(time.publishTime),
    properties: message.properties === undefined ? undefined : keyValues(message.properties),
    partitionKey: message.key,
    orderingKey: message.orderingKey,
    eventTime: eventTimeOf(message),
    uncompressedSize: raw.length,
  });
  return {
    sequenceId: pending.sequenceId,
    highestSequenceId: pending.sequenceId,
    messages: [pending],
    batched: false,
    command: sendCommand(context.producerId, pending.sequenceId, 1),
    metadata,
    payload: compressed(type, raw, metadata),
    createdAt: time.createdAt,
  };
}

/** The payload to send: compressed (and so marked in `metadata`) when that makes it smaller. */
function compressed(type: ProtoCompressionType, raw: Uint8Array, metadata: MessageMetadata): Uint8Array {
  if (type === ProtoCompressionType.NONE || raw.length === 0) return raw;
  const out = compress(type, raw);
  if (out.length >= raw.length) return raw;
  metadata.compression = type;
  return out;
}

export function buildBatchOp(context: OpContext, messages: readonly PendingMessage[], time: OpTime): SendOp {
  const type = protoCompression[context.compressionType];
  const count = messages.length;
  const raw = writeBatchPayload(messages);
  const first = messages[0]!;
  const last = messages[count - 1]!;
  const metadata: MessageMetadata = create(MessageMetadataSchema, {
    producerName: context.producerName,
    sequenceId: first.sequenceId,
    highestSequenceId: last.sequenceId,
    publishTime: BigInt(time.publishTime),
    numMessagesInBatch: count,
    uncompressedSize: raw.length,
  });
  // Key_Shared subscriptions dispatch a whole entry by its key: give the batch one only when every message
  // has the same (as Java's key-based batcher does); Java's default batcher never sets it.
  const key = sharedKey(messages);
  if (key !== undefined) metadata.partitionKey = key;
  const orderingKey = sharedOrderingKey(messages);
  if (orderingKey !== undefined) metadata.orderingKey = orderingKey;
  return {
    sequenceId: first.sequenceId,
    highestSequenceId: last.sequenceId,
    messages,
    batched: true,
    command: sendCommand(context.producerId, first.sequenceId, count, { highestSequenceId: last.sequenceId }),
    metadata,
    payload: compressed(type, raw, metadata),
    createdAt: time.createdAt,
  };
}

function sharedKey(messages: readonly PendingMessage[]): string | undefined {
  const key = messages[0]!.message.key;
  if (key === undefined) return undefined;
  for (let i = 1; i < messages.length; i++) if (messages[i]!.message.key !== key) return undefined;
  return key;
}

function sharedOrderingKey(messages: readonly PendingMessage[]): Uint8Array | undefined {
  const key = messages[0]!.message.orderingKey;
  if (key === undefined) return undefined;
  for (let i = 1; i < messages.length; i++) {
    const other = messages[i]!.message.orderingKey;
    if (other === undefined || !Buffer.from(other.buffer, other.byteOffset, other.byteLength).equals(key)) {
      return undefined;
    }
  }
  return key;
}
