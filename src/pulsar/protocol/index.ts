// The protocol codec: message types, frame encoding/decoding, command builders, batches, compression,
// checksums and key hashing. Pure code, no sockets. The rest of the client imports only from here.

export {
  type BatchEntry,
  decodeBatch,
  encodeBatch,
  encodeBatchEntryHeader,
  type SingleMessageMetadataInit,
  splitBatch,
} from './batch.ts';
export { type CommandField, commandFieldOf } from './command-fields.ts';
export * from './commands/index.ts';
export { compress, DEFAULT_MAX_UNCOMPRESSED_SIZE, decompress } from './compression.ts';
export { crc32c } from './crc32c.ts';
export {
  type DecodedFrame,
  decodeFrame,
  encodeCommand,
  encodePayloadCommand,
  encodePayloadCommandParts,
  MAGIC_BROKER_ENTRY_METADATA,
  MAGIC_CRC32C,
} from './frame.ts';
export { javaStringHash, murmur3Hash32 } from './hash.ts';
export * from './messages.ts';
export { CLIENT_VERSION, PF_BASH_VERSION, PROTOCOL_VERSION } from './version.ts';
