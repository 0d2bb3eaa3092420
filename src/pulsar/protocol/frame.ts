// Frame layout of the Pulsar binary protocol: building outbound frames and taking one inbound frame apart.
//
//   simple frame   [totalSize u32][commandSize u32][BaseCommand]
//   payload frame  [totalSize u32][commandSize u32][BaseCommand]
//                  [0x0e01 u16][crc32c u32][metadataSize u32][MessageMetadata][payload]
//   inbound only   [0x0e02 u16][size u32][BrokerEntryMetadata] may sit right before 0x0e01
//
// Integers are big-endian; totalSize counts every byte after itself. The CRC32C covers metadataSize,
// MessageMetadata and payload (not the magic, not the command).
import { create, fromBinary, isFieldSet, toBinary } from '@bufbuild/protobuf';
import type { InboundPayload } from '../connection/contract.ts';
import { ProtocolError } from '../errors.ts';
import { commandFieldOf } from './command-fields.ts';
import { crc32c } from './crc32c.ts';
import {
  type BaseCommand,
  BaseCommandSchema,
  type BrokerEntryMetadata,
  BrokerEntryMetadataSchema,
  type MessageMetadata,
  MessageMetadataSchema,
} from './generated/pulsar_api_pb.js';

export const MAGIC_CRC32C = 0x0e01;
export const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;

/** A frame as the reader cut it, decoded. `payload` is set when the frame carried message data. */
export interface DecodedFrame {
  command: BaseCommand;
  payload?: InboundPayload;
}

/** A complete simple frame, length prefix included. */
export function encodeCommand(command: BaseCommand): Buffer {
  const cmd = toBinary(BaseCommandSchema, command);
  const out = Buffer.allocUnsafe(8 + cmd.length);
  out.writeUInt32BE(4 + cmd.length, 0);
  out.writeUInt32BE(cmd.length, 4);
  out.set(cmd, 8);
  return out;
}

/**
 * A complete payload frame as two buffers, headers then the caller's payload, for a vectored write: the
 * payload (up to the max message size) is never copied. The payload must not change until it is written.
 */
export function encodePayloadCommandParts(
  command: BaseCommand,
  metadata: MessageMetadata,
  payload: Uint8Array,
): [Buffer, Buffer] {
  const cmd = toBinary(BaseCommandSchema, command);
  const meta = toBinary(MessageMetadataSchema, metadata);
  const headerSize = 4 + 4 + cmd.length + 2 + 4 + 4 + meta.length;
  const head = Buffer.allocUnsafe(headerSize);
  const metaSizeAt = headerSize - meta.length - 4;
  head.writeUInt32BE(headerSize - 4 + payload.length, 0);
  head.writeUInt32BE(cmd.length, 4);
  head.set(cmd, 8);
  head.writeUInt16BE(MAGIC_CRC32C, 8 + cmd.length);
  head.writeUInt32BE(meta.length, metaSizeAt);
  head.set(meta, metaSizeAt + 4);
  const crc = crc32c(payload, crc32c(head.subarray(metaSizeAt)));
  head.writeUInt32BE(crc, metaSizeAt - 4);
  return [head, asBuffer(payload)];
}

/** The same frame as encodePayloadCommandParts, in one buffer (one copy of the payload). */
export function encodePayloadCommand(
  command: BaseCommand,
  metadata: MessageMetadata,
  payload: Uint8Array,
): Buffer {
  const [head, body] = encodePayloadCommandParts(command, metadata, payload);
  return Buffer.concat([head, body], head.length + body.length);
}

/**
 * Decodes one frame without its 4-byte total-size prefix (what FrameReader yields). The payload and metadata
 * byte fields are views into `frame`, not copies. Throws ProtocolError, and nothing else, on malformed input;
 * a checksum mismatch is reported through `checksumValid`, not thrown, whatever the bytes under it hold.
 */
export function decodeFrame(frame: Uint8Array): DecodedFrame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const cmdSize = readU32(view, 0, 'command size');
  const cmdEnd = 4 + cmdSize;
  if (cmdEnd > frame.length)
    throw new ProtocolError(`command size ${cmdSize} exceeds the frame (${frame.length})`);
  const command = decodeCommand(frame.subarray(4, cmdEnd));
  if (cmdEnd === frame.length) return { command };
  return { command, payload: decodePayload(frame, view, cmdEnd) };
}

function decodeCommand(bytes: Uint8Array): BaseCommand {
  const command = parse('command', () => fromBinary(BaseCommandSchema, bytes));
  if (!isFieldSet(command, BaseCommandSchema.field.type)) {
    throw new ProtocolError('command without a known type');
  }
  const field = commandFieldOf(command.type);
  if (field !== undefined && command[field] === undefined) {
    throw new ProtocolError(`command of type ${command.type} without its ${field} field`);
  }
  return command;
}

function decodePayload(frame: Uint8Array, view: DataView, start: number): InboundPayload {
  let at = start;
  let brokerEntryMetadata: BrokerEntryMetadata | undefined;
  if (readU16(view, at, 'magic') === MAGIC_BROKER_ENTRY_METADATA) {
    const size = readU32(view, at + 2, 'broker entry metadata size');
    const bytes = slice(frame, at + 6, size, 'broker entry metadata');
    brokerEntryMetadata = parse('broker entry metadata', () => fromBinary(BrokerEntryMetadataSchema, bytes));
    at += 6 + size;
  }
  // Protocol versions before v6 sent no checksum; accept such frames as they are.
  if (readU16(view, at, 'magic') === MAGIC_CRC32C) {
    const expected = readU32(view, at + 2, 'checksum');
    at += 6;
    // Checked before anything under it is parsed: corrupt bytes are the consumer's business (it asks for the
    // entry again), not a protocol violation that would tear down the connection and every consumer on it.
    if (crc32c(frame.subarray(at)) !== expected) {
      return { brokerEntryMetadata, ...unverified(frame, view, at), checksumValid: false };
    }
  }
  const metaSize = readU32(view, at, 'metadata size');
  const metaBytes = slice(frame, at + 4, metaSize, 'message metadata');
  const metadata = parse('message metadata', () => fromBinary(MessageMetadataSchema, metaBytes));
  const payload = frame.subarray(at + 4 + metaSize);
  return { brokerEntryMetadata, metadata, payload, checksumValid: true };
}

/**
 * Metadata and payload of an entry that failed its checksum, as far as they parse, else empty metadata and
 * payload. Never delivered; the consumer only reads how many messages the entry claims, to give their
 * permits back (clamped, since the number may be the corrupt part).
 */
function unverified(
  frame: Uint8Array,
  view: DataView,
  at: number,
): { metadata: MessageMetadata; payload: Uint8Array } {
  try {
    const metaSize = readU32(view, at, 'metadata size');
    const metaBytes = slice(frame, at + 4, metaSize, 'message metadata');
    return {
      metadata: fromBinary(MessageMetadataSchema, metaBytes),
      payload: frame.subarray(at + 4 + metaSize),
    };
  } catch {
    return { metadata: create(MessageMetadataSchema), payload: new Uint8Array(0) };
  }
}

function readU32(view: DataView, at: number, what: string): number {
  if (at + 4 > view.byteLength) throw new ProtocolError(`frame truncated before the ${what}`);
  return view.getUint32(at);
}

function readU16(view: DataView, at: number, what: string): number {
  if (at + 2 > view.byteLength) throw new ProtocolError(`frame truncated before the ${what}`);
  return view.getUint16(at);
}

function slice(frame: Uint8Array, at: number, size: number, what: string): Uint8Array {
  if (at + size > frame.length) throw new ProtocolError(`${what} size ${size} exceeds the frame`);
  return frame.subarray(at, at + size);
}

function parse<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    throw new ProtocolError(`undecodable ${what}`, { cause });
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
