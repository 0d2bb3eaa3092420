// Turns one entry's payload into the messages it holds: decompressed first (all four codecs, sized by
// uncompressed_size), then split when the metadata says the payload is in batch format. Failures are thrown as
// PayloadError with the validation error the broker should be told when the entry is dropped.
import {
  CommandAck_ValidationError,
  decompress,
  isFieldSet,
  keyValuesToRecord,
  type MessageMetadata,
  MessageMetadataSchema,
  ProtoCompressionType,
  type SingleMessageMetadata,
  SingleMessageMetadataSchema,
  splitBatch,
} from '../protocol/index.ts';
import type { ConsumerMessage, ConsumerMessageId } from './message.ts';

export class PayloadError extends Error {
  readonly validationError: CommandAck_ValidationError;
  constructor(message: string, validationError: CommandAck_ValidationError, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PayloadError';
    this.validationError = validationError;
  }
}

/** One message of an entry: the whole entry, or member `index` of a batch. */
export interface EntryMember {
  readonly index: number;
  readonly payload: Buffer;
  /** Present for batch members. */
  readonly single: SingleMessageMetadata | undefined;
}

export interface DecodedEntry {
  /** Batch format: members carry batch indexes and the entry's message id a batch size. */
  readonly batched: boolean;
  readonly members: readonly EntryMember[];
}

/** Whether the payload is in batch format: num_messages_in_batch present, even when it is 1 (Go's reader). */
export function isBatch(metadata: MessageMetadata): boolean {
  return isFieldSet(metadata, MessageMetadataSchema.field.numMessagesInBatch);
}

/**
 * Decodes an entry (or a reassembled chunked message). `maxUncompressedSize` guards against a corrupt size
 * making us allocate gigabytes (Java's UncompressedSizeCorruption check).
 */
export function decodeEntry(
  metadata: MessageMetadata,
  payload: Uint8Array,
  maxUncompressedSize: number,
): DecodedEntry {
  const data = decompressPayload(metadata, payload, maxUncompressedSize);
  if (!isBatch(metadata))
    return { batched: false, members: [{ index: 0, payload: data, single: undefined }] };
  const count = metadata.numMessagesInBatch;
  if (!Number.isInteger(count) || count < 1) {
    throw new PayloadError(`batch of ${count} messages`, CommandAck_ValidationError.BatchDeSerializeError);
  }
  let parts: ReturnType<typeof splitBatch>;
  try {
    parts = splitBatch(data, count);
  } catch (error) {
    throw new PayloadError('malformed batch', CommandAck_ValidationError.BatchDeSerializeError, error);
  }
  if (parts.length !== count) {
    throw new PayloadError(
      `batch holds ${parts.length} messages, metadata says ${count}`,
      CommandAck_ValidationError.BatchDeSerializeError,
    );
  }
  return {
    batched: true,
    members: parts.map((part, index) => ({ index, payload: asBuffer(part.payload), single: part.metadata })),
  };
}

function decompressPayload(metadata: MessageMetadata, payload: Uint8Array, maxSize: number): Buffer {
  // An uncompressed payload still lives in the socket's frame buffer: copy it, so a message kept by the
  // application does not pin (or alias) the frame it came in.
  if (metadata.compression === ProtoCompressionType.NONE) return Buffer.from(payload);
  const size = metadata.uncompressedSize;
  if (size > maxSize) {
    throw new PayloadError(
      `uncompressed_size ${size} is larger than the largest message (${maxSize})`,
      CommandAck_ValidationError.UncompressedSizeCorruption,
    );
  }
  if (size === 0 && payload.length === 0) return Buffer.alloc(0);
  let out: Uint8Array;
  try {
    out = decompress(metadata.compression, payload, size, maxSize);
  } catch (error) {
    const codec = ProtoCompressionType[metadata.compression] ?? String(metadata.compression);
    throw new PayloadError(
      `cannot decompress ${codec} payload`,
      CommandAck_ValidationError.DecompressionError,
      error,
    );
  }
  if (out.length !== size) {
    throw new PayloadError(
      `decompressed to ${out.length} bytes, uncompressed_size says ${size}`,
      CommandAck_ValidationError.DecompressionError,
    );
  }
  return asBuffer(out);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface MessageContext {
  readonly topic: string;
  readonly metadata: MessageMetadata;
  readonly redeliveryCount: number;
}

/** Builds the application's view of one member; batch members take key, properties and times from their own header. */
export function toMessage(
  context: MessageContext,
  member: EntryMember,
  id: ConsumerMessageId,
): ConsumerMessage {
  const { metadata } = context;
  const single = member.single;
  const fields =
    single === undefined
      ? {
          hasKey: isFieldSet(metadata, MessageMetadataSchema.field.partitionKey),
          key: metadata.partitionKey,
          keyIsBase64: metadata.partitionKeyB64Encoded,
          hasOrderingKey: isFieldSet(metadata, MessageMetadataSchema.field.orderingKey),
          orderingKey: metadata.orderingKey,
          properties: metadata.properties,
          eventTime: metadata.eventTime,
          sequenceId: metadata.sequenceId,
        }
      : {
          hasKey: isFieldSet(single, SingleMessageMetadataSchema.field.partitionKey),
          key: single.partitionKey,
          keyIsBase64: single.partitionKeyB64Encoded,
          hasOrderingKey: isFieldSet(single, SingleMessageMetadataSchema.field.orderingKey),
          orderingKey: single.orderingKey,
          properties: single.properties,
          eventTime: single.eventTime,
          // Producers number batch members from the entry's sequence id when they do not write their own.
          sequenceId: isFieldSet(single, SingleMessageMetadataSchema.field.sequenceId)
            ? single.sequenceId
            : metadata.sequenceId + BigInt(member.index),
        };
  return {
    messageId: id,
    topic: context.topic,
    payload: member.payload,
    key: fields.hasKey ? fields.key : undefined,
    keyIsBase64: fields.keyIsBase64,
    orderingKey: fields.hasOrderingKey ? Buffer.from(fields.orderingKey) : undefined,
    properties: Object.freeze(keyValuesToRecord(fields.properties)),
    // The protocol's 0 means "not set".
    eventTime: fields.eventTime === 0n ? undefined : Number(fields.eventTime),
    publishTime: Number(metadata.publishTime),
    redeliveryCount: context.redeliveryCount,
    producerName: metadata.producerName,
    sequenceId: fields.sequenceId,
  };
}
