// Frame encoding and decoding: hand-assembled and Java-produced golden frames, proto2 required zero fields,
// broker entry metadata, checksum mismatches, malformed input.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ProtocolError } from '../../../../src/pulsar/errors.ts';
import {
  BaseCommand_Type,
  BaseCommandSchema,
  CommandFlowSchema,
  create,
  decodeFrame,
  encodeCommand,
  encodePayloadCommand,
  encodePayloadCommandParts,
  flowCommand,
  MessageMetadataSchema,
  ProtoCompressionType,
  pingCommand,
  sendCommand,
  toBinary,
} from '../../../../src/pulsar/protocol/index.ts';
import { golden } from './fixtures.ts';

const hand = JSON.parse(readFileSync(new URL('./fixtures/hand.json', import.meta.url), 'utf8')) as {
  frames: Record<string, string>;
};
const handHex = (name: string) => hand.frames[name]!.replaceAll(' ', '');

const plainMetadata = () =>
  create(MessageMetadataSchema, { producerName: 'p', sequenceId: 0n, publishTime: 0n });

/** The frame as FrameReader yields it: without the 4-byte total size. */
const body = (frame: Uint8Array) => frame.subarray(4);

describe('encodeCommand', () => {
  test('matches hand-assembled frames', () => {
    assert.equal(encodeCommand(pingCommand()).toString('hex'), handHex('ping'));
    assert.equal(encodeCommand(flowCommand(0n, 0)).toString('hex'), handHex('flow_zero'));
  });

  test('protobuf-es writes proto2 required fields set to zero, and refuses to encode unset ones', () => {
    const explicit = create(CommandFlowSchema, { consumerId: 0n, messagePermits: 0 });
    assert.equal(Buffer.from(toBinary(CommandFlowSchema, explicit)).toString('hex'), '08001000');
    const omitted = create(CommandFlowSchema, { consumerId: 0n });
    assert.throws(() => toBinary(CommandFlowSchema, omitted), /required field not set/);
    const noType = create(BaseCommandSchema, {});
    assert.throws(() => encodeCommand(noType), /required field not set/);
  });
});

describe('encodePayloadCommand', () => {
  test('matches the hand-assembled header and the frame of Apache Java client (CRC included)', () => {
    const frame = encodePayloadCommand(sendCommand(0n, 0n, 1), plainMetadata(), Buffer.from('hello'));
    assert.ok(frame.toString('hex').startsWith(handHex('send_zero_hello_header')));
    assert.deepEqual(frame, golden('payload', 'send_zero_hello'));
  });

  test('matches Java for rich metadata and for an empty payload', () => {
    const rich = create(MessageMetadataSchema, {
      producerName: 'standalone-0-7',
      sequenceId: 41n,
      publishTime: 1700000000123n,
      properties: [{ key: 'a', value: '1' }],
      partitionKey: 'k1',
      compression: ProtoCompressionType.LZ4,
      uncompressedSize: 11,
      numMessagesInBatch: 1,
      eventTime: 1700000000000n,
    });
    const frame = encodePayloadCommand(sendCommand(7n, 41n, 1), rich, Buffer.from('lz4 payload'));
    assert.deepEqual(frame, golden('payload', 'send_rich_metadata'));
    const empty = encodePayloadCommand(sendCommand(1n, 2n, 1), plainMetadata(), new Uint8Array(0));
    assert.deepEqual(empty, golden('payload', 'send_empty_payload'));
  });

  test('parts are header + the caller payload itself, and join to the single-buffer frame', () => {
    const payload = Buffer.from('hello');
    const [head, tail] = encodePayloadCommandParts(sendCommand(0n, 0n, 1), plainMetadata(), payload);
    assert.equal(tail, payload);
    assert.deepEqual(Buffer.concat([head, tail]), golden('payload', 'send_zero_hello'));
    const plain = new Uint8Array(payload);
    const [, wrapped] = encodePayloadCommandParts(sendCommand(0n, 0n, 1), plainMetadata(), plain);
    assert.equal(wrapped.buffer, plain.buffer, 'a Uint8Array payload is wrapped, not copied');
  });
});

describe('decodeFrame', () => {
  test('a simple command has no payload', () => {
    const decoded = decodeFrame(body(encodeCommand(flowCommand(3n, 500))));
    assert.equal(decoded.command.type, BaseCommand_Type.FLOW);
    assert.equal(decoded.command.flow?.messagePermits, 500);
    assert.equal(decoded.payload, undefined);
  });

  test('a payload frame round-trips, payload as a view into the frame', () => {
    const frame = body(encodePayloadCommand(sendCommand(9n, 8n, 2), plainMetadata(), Buffer.from('abc')));
    const { command, payload } = decodeFrame(frame);
    assert.equal(command.send?.numMessages, 2);
    assert.ok(payload);
    assert.equal(payload.checksumValid, true);
    assert.equal(payload.brokerEntryMetadata, undefined);
    assert.equal(payload.metadata.producerName, 'p');
    assert.equal(Buffer.from(payload.payload).toString(), 'abc');
    assert.equal(payload.payload.buffer, frame.buffer);
  });

  test('reads broker entry metadata before the checksum magic', () => {
    const { command, payload } = decodeFrame(body(golden('payload', 'message_with_broker_entry_metadata')));
    assert.equal(command.type, BaseCommand_Type.MESSAGE);
    assert.equal(command.message?.messageId?.ledgerId, 5n);
    assert.equal(payload?.brokerEntryMetadata?.brokerTimestamp, 1700000000456n);
    assert.equal(payload?.brokerEntryMetadata?.index, 99n);
    assert.equal(payload?.checksumValid, true);
    assert.equal(Buffer.from(payload!.payload).toString(), 'hello');
  });

  test('a checksum mismatch is reported, not thrown', () => {
    const good = golden('payload', 'send_zero_hello');
    const badPayload = Buffer.from(good);
    badPayload[badPayload.length - 1]! ^= 1;
    assert.equal(decodeFrame(body(badPayload)).payload?.checksumValid, false);
    const badCrc = Buffer.from(good);
    badCrc[4 + 4 + 8 + 2]! ^= 0x80;
    assert.equal(decodeFrame(body(badCrc)).payload?.checksumValid, false);
  });

  test('a checksum mismatch is checked first: whatever lies under it, nothing is thrown', () => {
    // The frames of the malformed list below, with a wrong checksum: the metadata size runs past the end, or
    // the metadata does not parse. Empty metadata and payload; the connection stays up.
    for (const hex of [
      '0000000508129201000e01000000000000ffff',
      '0000000508129201000e010000000000000002ffff',
    ]) {
      const payload = decodeFrame(Buffer.from(hex, 'hex')).payload;
      assert.equal(payload?.checksumValid, false);
      assert.deepEqual(payload?.metadata, create(MessageMetadataSchema));
      assert.equal(payload?.payload.length, 0);
    }
    // Metadata that still parses is kept, so the consumer can give back the permits of a whole batch.
    const metadata = create(MessageMetadataSchema, { ...plainMetadata(), numMessagesInBatch: 3 });
    const frame = Buffer.from(
      body(encodePayloadCommand(sendCommand(1n, 1n, 3), metadata, Buffer.from('xyz'))),
    );
    frame[frame.length - 1]! ^= 1;
    const payload = decodeFrame(frame).payload;
    assert.equal(payload?.checksumValid, false);
    assert.equal(payload?.metadata.numMessagesInBatch, 3);
  });

  test('accepts a payload without checksum (protocol before v6), as Apache Java client does', () => {
    const good = golden('payload', 'send_zero_hello');
    const cmdEnd = 4 + 4 + 8;
    const noCrc = Buffer.concat([good.subarray(4, cmdEnd), good.subarray(cmdEnd + 6)]);
    const { payload } = decodeFrame(noCrc);
    assert.equal(payload?.checksumValid, true);
    assert.equal(Buffer.from(payload!.payload).toString(), 'hello');
  });

  test('a command type without a body field here still decodes', () => {
    const bytes = Buffer.from('0844', 'hex'); // type = 68 (TOPIC_MIGRATED), not modelled
    const frame = Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    assert.equal(decodeFrame(frame).command.type, BaseCommand_Type.TOPIC_MIGRATED);
  });

  const malformed: [string, string][] = [
    ['empty', ''],
    ['short command size', '0000'],
    ['command size past the end', '000000ff0812'],
    ['undecodable command', '00000002ffff'],
    ['command without type', '000000029200'],
    ['type without its body', '000000020807'],
    ['unknown type number', '000000020863'],
    ['payload cut in the magic', '0000000508129201000e'],
    ['payload cut in the checksum', '0000000508129201000e0100'],
    // These two carry their right CRC32C: with a wrong one they are checksum mismatches, not thrown.
    ['metadata size past the end', '0000000508129201000e0146f93c150000ffff'],
    ['broker entry metadata past the end', '0000000508129201000e0200000009'],
    ['undecodable metadata', '0000000508129201000e0116db595500000002ffff'],
  ];
  for (const [name, hex] of malformed) {
    test(`throws ProtocolError: ${name}`, () => {
      assert.throws(() => decodeFrame(Buffer.from(hex, 'hex')), ProtocolError);
    });
  }
});
