// The batch payload format: when MessageMetadata has num_messages_in_batch, the (decompressed) payload is
//
//   repeated { [metadataSize u32][SingleMessageMetadata][payload: payload_size bytes] }
//
// with one entry per message, big-endian sizes.
import { create, fromBinary, isFieldSet, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { ProtocolError } from '../errors.ts';
import { type SingleMessageMetadata, SingleMessageMetadataSchema } from './generated/pulsar_api_pb.js';

export type SingleMessageMetadataInit = MessageInitShape<typeof SingleMessageMetadataSchema>;

export interface BatchEntry {
  metadata: SingleMessageMetadata;
  /** A view into the batch payload, not a copy. */
  payload: Uint8Array;
}

/**
 * The bytes that go before one message's payload in a batch: `[size][SingleMessageMetadata]`. `payloadSize` is
 * set from `payloadLength` (on the given message object itself when a message is passed). A batch builder
 * collects header + payload pairs and joins them once, so payloads are copied only there.
 */
export function encodeBatchEntryHeader(metadata: SingleMessageMetadataInit, payloadLength: number): Buffer {
  const message = create(SingleMessageMetadataSchema, metadata);
  message.payloadSize = payloadLength;
  const meta = toBinary(SingleMessageMetadataSchema, message);
  const out = Buffer.allocUnsafe(4 + meta.length);
  out.writeUInt32BE(meta.length, 0);
  out.set(meta, 4);
  return out;
}

/** A whole batch payload in one buffer. */
export function encodeBatch(
  entries: readonly { metadata: SingleMessageMetadataInit; payload: Uint8Array }[],
): Buffer {
  const parts: Uint8Array[] = [];
  for (const { metadata, payload } of entries) {
    parts.push(encodeBatchEntryHeader(metadata, payload.length), payload);
  }
  return Buffer.concat(parts);
}

/**
 * Splits a batch payload into `count` entries (num_messages_in_batch). Throws ProtocolError when an entry
 * runs past the end or fewer than `count` entries are present; bytes after the last entry are ignored, as
 * Apache's clients do.
 */
export function decodeBatch(data: Uint8Array, count: number): BatchEntry[] {
  if (!Number.isInteger(count) || count < 0) throw new ProtocolError(`invalid batch size ${count}`);
  const entries: BatchEntry[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  // Each entry takes at least 4 bytes, so this loop ends after at most data.length / 4 rounds.
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.length) throw new ProtocolError(`batch truncated at message ${i} of ${count}`);
    const metaSize = view.getUint32(at);
    at += 4;
    if (metaSize > data.length - at)
      throw new ProtocolError(`batch message ${i}: metadata size ${metaSize} too big`);
    const metadata = parseSingle(data.subarray(at, at + metaSize), i);
    at += metaSize;
    if (!isFieldSet(metadata, SingleMessageMetadataSchema.field.payloadSize)) {
      throw new ProtocolError(`batch message ${i}: metadata without payload_size`);
    }
    const size = metadata.payloadSize;
    if (size < 0 || size > data.length - at)
      throw new ProtocolError(`batch message ${i}: payload size ${size} invalid`);
    entries.push({ metadata, payload: data.subarray(at, at + size) });
    at += size;
  }
  return entries;
}

function parseSingle(bytes: Uint8Array, index: number): SingleMessageMetadata {
  try {
    return fromBinary(SingleMessageMetadataSchema, bytes);
  } catch (cause) {
    throw new ProtocolError(`batch message ${index}: undecodable metadata`, { cause });
  }
}

/** decodeBatch under the name the consumer's message decoder uses. */
export const splitBatch = decodeBatch;
