import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationToken } from '../../../../src/pulsar/auth.ts';
import { PulsarConnection } from '../../../../src/pulsar/connection/connection.ts';
import type { InboundPayload } from '../../../../src/pulsar/connection/contract.ts';
import {
  ConnectionError,
  ServerError,
  ServerErrorCode,
  TimeoutError,
} from '../../../../src/pulsar/errors.ts';
import {
  CLIENT_VERSION,
  CommandLookupTopicResponse_LookupType,
  create,
  encodePayloadCommand,
  lookupCommand,
  MessageMetadataSchema,
  PROTOCOL_VERSION,
  partitionedMetadataCommand,
  BaseCommand_Type as T,
} from '../../../../src/pulsar/protocol/index.ts';
import { FakeClock, settle } from '../../../support/fake-clock.ts';
import { answerConnect, command, FakeTransport } from '../../../support/fake-transport.ts';
import { connectionOptions, openConnected, recordingConsumer, recordingProducer } from './helpers.ts';

const decoder = new TextDecoder();

describe('handshake', () => {
  it('sends CONNECT with our protocol version and token, and adopts CONNECTED.max_message_size', async () => {
    const { connection, transport } = await openConnected(
      { authentication: AuthenticationToken.fromToken('secret-token') },
      { maxMessageSize: 1024 * 1024, protocolVersion: 19 },
    );
    const connect = transport.sentOfType(T.CONNECT)[0]?.connect;
    assert.ok(connect);
    assert.equal(connect.protocolVersion, PROTOCOL_VERSION);
    assert.equal(connect.clientVersion, CLIENT_VERSION);
    assert.equal(connect.authMethodName, 'token');
    assert.equal(decoder.decode(connect.authData), 'secret-token');
    assert.equal(connect.proxyToBrokerUrl, '');
    assert.equal(connect.featureFlags?.supportsAuthRefresh, true);
    assert.equal(connection.maxMessageSize, 1024 * 1024);
    assert.equal(connection.protocolVersion, 19);
    assert.equal(connection.isClosed, false);
  });

  it('names the broker in proxy_to_broker_url when dialing a proxy', async () => {
    const { transport } = await openConnected({
      logicalAddress: 'broker-1:6650',
      physicalAddress: '127.0.0.1:6650',
    });
    assert.equal(transport.sentOfType(T.CONNECT)[0]?.connect?.proxyToBrokerUrl, 'broker-1:6650');
  });

  it('bounds frames by max_message_size plus padding: a bigger one closes the connection', async () => {
    const { connection, transport } = await openConnected({}, { maxMessageSize: 1000 });
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1000 + 10 * 1024 + 1);
    transport.receive(header);
    assert.equal(connection.isClosed, true);
    assert.equal(transport.closed, true);
  });

  it('rejects with ServerError when the broker answers ERROR (bad token), and closes the socket', async () => {
    const transport = new FakeTransport();
    const clock = new FakeClock();
    transport.onCommand = (cmd) => {
      if (cmd.type === T.CONNECT) {
        queueMicrotask(() =>
          transport.receiveCommand({
            type: T.ERROR,
            error: { requestId: 0n, error: ServerErrorCode.AuthenticationError, message: 'bad token' },
          }),
        );
      }
    };
    const error = await PulsarConnection.open(connectionOptions(transport, clock)).catch((e: unknown) => e);
    assert.ok(error instanceof ServerError);
    assert.equal(error.code, ServerErrorCode.AuthenticationError);
    assert.equal(error.retriable, false);
    assert.equal(transport.closed, true);
  });

  it('gives up with ConnectionError when CONNECTED does not come in time', async () => {
    const transport = new FakeTransport();
    const clock = new FakeClock();
    const opening = PulsarConnection.open(connectionOptions(transport, clock, { handshakeTimeoutMs: 500 }));
    await settle();
    clock.advance(500);
    const error = await opening.catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.retriable, true);
    assert.equal(transport.closed, true);
  });

  it('fails when the token cannot be read, without sending CONNECT', async () => {
    const transport = new FakeTransport();
    const auth = AuthenticationToken.fromFile('/nonexistent/pf-bash-token');
    const error = await PulsarConnection.open(
      connectionOptions(transport, new FakeClock(), { authentication: auth }),
    ).catch((e: unknown) => e);
    assert.equal((error as Error).name, 'AuthenticationError');
    assert.equal(transport.sentOfType(T.CONNECT).length, 0);
    assert.equal(transport.closed, true);
  });
});

describe('requests', () => {
  it('matches answers to requests by request id, whatever their order', async () => {
    const { connection, transport } = await openConnected();
    const a = connection.request((id) => partitionedMetadataCommand('persistent://public/default/a', id));
    const b = connection.request((id) => partitionedMetadataCommand('persistent://public/default/b', id));
    const [sentA, sentB] = transport.sentOfType(T.PARTITIONED_METADATA).map((c) => c.partitionMetadata!);
    assert.notEqual(sentA!.requestId, sentB!.requestId);
    transport.receiveCommand({
      type: T.PARTITIONED_METADATA_RESPONSE,
      partitionMetadataResponse: { requestId: sentB!.requestId, partitions: 2 },
    });
    transport.receiveCommand({
      type: T.PARTITIONED_METADATA_RESPONSE,
      partitionMetadataResponse: { requestId: sentA!.requestId, partitions: 1 },
    });
    assert.equal((await a).partitionMetadataResponse?.partitions, 1);
    assert.equal((await b).partitionMetadataResponse?.partitions, 2);
  });

  it('times out with TimeoutError and ignores the late answer', async () => {
    const { connection, transport, clock } = await openConnected();
    const answer = connection.request(
      (id) => lookupCommand('persistent://public/default/t', id, false),
      1000,
    );
    clock.advance(999);
    await settle();
    clock.advance(1);
    const error = await answer.catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.retriable, true);
    const requestId = transport.sentOfType(T.LOOKUP)[0]!.lookupTopic!.requestId;
    transport.receiveCommand({ type: T.SUCCESS, success: { requestId } });
    assert.equal(connection.isClosed, false);
  });

  it('uses the operation timeout by default', async () => {
    const { connection, clock } = await openConnected({ operationTimeoutMs: 7000 });
    const answer = connection.request((id) => lookupCommand('t', id, false));
    clock.advance(7000);
    assert.ok((await answer.catch((e: unknown) => e)) instanceof TimeoutError);
  });

  const errorCases = [
    { code: ServerErrorCode.TopicNotFound, retriable: false, closes: false },
    { code: ServerErrorCode.AuthorizationError, retriable: false, closes: false },
    { code: ServerErrorCode.ProducerBusy, retriable: true, closes: false },
    { code: ServerErrorCode.TooManyRequests, retriable: true, closes: false },
    { code: ServerErrorCode.ServiceNotReady, retriable: true, closes: true },
  ];
  for (const { code, retriable, closes } of errorCases) {
    it(`maps ERROR ${code} to ServerError (retriable ${retriable}, closes ${closes})`, async () => {
      const { connection, transport } = await openConnected();
      const producer = recordingProducer();
      connection.registerProducer(1n, producer);
      const answer = connection.request((id) => lookupCommand('t', id, false));
      const other = connection.request((id) => lookupCommand('u', id, false));
      const requestId = transport.sentOfType(T.LOOKUP)[0]!.lookupTopic!.requestId;
      transport.receiveCommand({ type: T.ERROR, error: { requestId, error: code, message: 'nope' } });
      const error = await answer.catch((e: unknown) => e);
      assert.ok(error instanceof ServerError);
      assert.equal(error.code, code);
      assert.equal(error.retriable, retriable);
      assert.equal(connection.isClosed, closes);
      if (closes) {
        assert.ok((await other.catch((e: unknown) => e)) instanceof ConnectionError);
        assert.equal(producer.calls[0]?.[0], 'connectionClosed');
      }
    });
  }

  it('rejects a failed LOOKUP_RESPONSE with the ServerError it carries', async () => {
    const { connection, transport } = await openConnected();
    const answer = connection.request((id) => lookupCommand('t', id, false));
    const requestId = transport.sentOfType(T.LOOKUP)[0]!.lookupTopic!.requestId;
    transport.receiveCommand({
      type: T.LOOKUP_RESPONSE,
      lookupTopicResponse: {
        requestId,
        response: CommandLookupTopicResponse_LookupType.Failed,
        error: ServerErrorCode.AuthorizationError,
        message: 'not allowed',
      },
    });
    const error = await answer.catch((e: unknown) => e);
    assert.ok(error instanceof ServerError);
    assert.equal(error.code, ServerErrorCode.AuthorizationError);
  });

  it('refuses requests, and registrations, once closed', async () => {
    const { connection, transport } = await openConnected();
    connection.close();
    assert.equal(transport.ended, true, 'a client close flushes what was written before it');
    assert.ok(
      (await connection.request((id) => lookupCommand('t', id, false)).catch((e: unknown) => e)) instanceof
        ConnectionError,
    );
    assert.throws(() => connection.registerProducer(1n, recordingProducer()), ConnectionError);
    assert.throws(() => connection.registerConsumer(1n, recordingConsumer()), ConnectionError);
  });
});

describe('keepalive', () => {
  it('answers PING with PONG', async () => {
    const { transport } = await openConnected();
    transport.receiveCommand({ type: T.PING, ping: {} });
    assert.equal(transport.lastSent()?.type, T.PONG);
  });

  it('sends PING every interval while the broker answers, and stays up', async () => {
    const { connection, transport, clock } = await openConnected({ keepAliveIntervalMs: 1000 });
    transport.onCommand = (cmd) => {
      if (cmd.type === T.PING) transport.receiveCommand({ type: T.PONG, pong: {} });
    };
    clock.advance(10_000);
    assert.equal(transport.sentOfType(T.PING).length, 10);
    assert.equal(connection.isClosed, false);
  });

  it('drops the connection when nothing arrived for twice the interval', async () => {
    const { connection, transport, clock } = await openConnected({ keepAliveIntervalMs: 1000 });
    const consumer = recordingConsumer();
    connection.registerConsumer(4n, consumer);
    clock.advance(1000);
    assert.equal(transport.sentOfType(T.PING).length, 1);
    assert.equal(connection.isClosed, false);
    clock.advance(1000);
    assert.equal(connection.isClosed, true);
    assert.equal(transport.closed, true);
    assert.equal(transport.ended, false, 'a stale connection is cut, not flushed');
    const [kind, error] = consumer.calls[0]!;
    assert.equal(kind, 'connectionClosed');
    assert.ok(error instanceof ConnectionError);
  });

  it('measures silence on the monotonic clock: a wall-clock jump neither drops nor spares a connection', async () => {
    const { connection, transport, clock } = await openConnected({ keepAliveIntervalMs: 1000 });
    transport.onCommand = (cmd) => {
      if (cmd.type === T.PING) transport.receiveCommand({ type: T.PONG, pong: {} });
    };
    clock.jumpWallClock(3_600_000); // NTP steps the clock an hour ahead
    clock.advance(1000);
    assert.equal(connection.isClosed, false, 'a healthy connection is not dropped');
    transport.onCommand = undefined;
    clock.jumpWallClock(-7_200_000); // and two hours back
    clock.advance(2000);
    assert.equal(connection.isClosed, true, 'a silent one is still dropped');
  });
});

describe('routing', () => {
  it('routes receipts and send errors to the producer with that id', async () => {
    const { connection, transport } = await openConnected();
    const p1 = recordingProducer();
    const p2 = recordingProducer();
    connection.registerProducer(1n, p1);
    connection.registerProducer(2n, p2);
    transport.receiveCommand({
      type: T.SEND_RECEIPT,
      sendReceipt: { producerId: 2n, sequenceId: 5n, messageId: { ledgerId: 1n, entryId: 2n } },
    });
    transport.receiveCommand({
      type: T.SEND_ERROR,
      sendError: { producerId: 1n, sequenceId: 9n, error: ServerErrorCode.NotAllowedError, message: 'no' },
    });
    assert.deepEqual(
      p2.calls.map(([k]) => k),
      ['receipt'],
    );
    assert.deepEqual(
      p1.calls.map(([k]) => k),
      ['sendError'],
    );
    assert.equal(connection.isClosed, false, 'NotAllowed is a final answer, not a reason to reconnect');
  });

  it('closes the connection after any other SEND_ERROR so producers reconnect and resend', async () => {
    const { connection, transport } = await openConnected();
    const producer = recordingProducer();
    connection.registerProducer(1n, producer);
    transport.receiveCommand({
      type: T.SEND_ERROR,
      sendError: { producerId: 1n, sequenceId: 9n, error: ServerErrorCode.PersistenceError, message: 'bk' },
    });
    assert.deepEqual(
      producer.calls.map(([k]) => k),
      ['sendError', 'connectionClosed'],
    );
    assert.equal(connection.isClosed, true);
  });

  it('routes MESSAGE with its payload and checksum verdict to the consumer', async () => {
    const { connection, transport } = await openConnected();
    const consumer = recordingConsumer();
    connection.registerConsumer(3n, consumer);
    const metadata = create(MessageMetadataSchema, { producerName: 'p', sequenceId: 0n, publishTime: 1n });
    const frame = encodePayloadCommand(
      command({ type: T.MESSAGE, message: { consumerId: 3n, messageId: { ledgerId: 7n, entryId: 8n } } }),
      metadata,
      Buffer.from('hello'),
    );
    transport.receive(frame);
    const [kind, cmd, payload] = consumer.calls[0]!;
    assert.equal(kind, 'message');
    assert.equal((cmd as { messageId: { entryId: bigint } }).messageId.entryId, 8n);
    assert.equal(decoder.decode((payload as InboundPayload).payload), 'hello');
    assert.equal((payload as InboundPayload).checksumValid, true);
    assert.equal((payload as InboundPayload).metadata.producerName, 'p');

    // One flipped payload byte: still delivered to the consumer, flagged as invalid.
    const corrupt = Buffer.from(frame);
    corrupt[corrupt.length - 1]! ^= 0xff;
    transport.receive(corrupt);
    assert.equal((consumer.calls[1]![2] as InboundPayload).checksumValid, false);
  });

  it('routes active-consumer changes and end of topic to the consumer', async () => {
    const { connection, transport } = await openConnected();
    const consumer = recordingConsumer();
    connection.registerConsumer(0n, consumer);
    transport.receiveCommand({
      type: T.ACTIVE_CONSUMER_CHANGE,
      activeConsumerChange: { consumerId: 0n, isActive: true },
    });
    transport.receiveCommand({ type: T.REACHED_END_OF_TOPIC, reachedEndOfTopic: { consumerId: 0n } });
    assert.deepEqual(
      consumer.calls.map(([k]) => k),
      ['activeChange', 'endOfTopic'],
    );
  });

  it('hands CLOSE_PRODUCER and CLOSE_CONSUMER to the handler and keeps the connection', async () => {
    const { connection, transport } = await openConnected();
    const producer = recordingProducer();
    const consumer = recordingConsumer();
    connection.registerProducer(1n, producer);
    connection.registerConsumer(1n, consumer);
    transport.receiveCommand({ type: T.CLOSE_PRODUCER, closeProducer: { producerId: 1n, requestId: 100n } });
    transport.receiveCommand({ type: T.CLOSE_CONSUMER, closeConsumer: { consumerId: 1n, requestId: 101n } });
    assert.deepEqual(
      producer.calls.map(([k]) => k),
      ['closeProducer'],
    );
    assert.deepEqual(
      consumer.calls.map(([k]) => k),
      ['closeConsumer'],
    );
    assert.equal(connection.isClosed, false);
    // They are no longer on this connection: a later close does not tell them again.
    connection.close();
    assert.equal(producer.calls.length, 1);
    assert.equal(consumer.calls.length, 1);
  });

  it('does not route to an unregistered handler', async () => {
    const { connection, transport } = await openConnected();
    const producer = recordingProducer();
    connection.registerProducer(1n, producer);
    connection.unregisterProducer(1n);
    transport.receiveCommand({ type: T.SEND_RECEIPT, sendReceipt: { producerId: 1n, sequenceId: 1n } });
    connection.close();
    assert.equal(producer.calls.length, 0);
  });

  it('closes on an undecodable frame without throwing, telling every handler', async () => {
    const { connection, transport } = await openConnected();
    const consumer = recordingConsumer();
    connection.registerConsumer(3n, consumer);
    const pending = connection.request((id) => lookupCommand('t', id, false));
    // A frame whose command bytes are not protobuf: size 8, command size 4, then 0xff×4.
    transport.receive(Buffer.from([0, 0, 0, 8, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]));
    assert.equal(connection.isClosed, true);
    assert.equal(consumer.calls[0]?.[0], 'connectionClosed');
    assert.ok((await pending.catch((e: unknown) => e)) instanceof ConnectionError);
  });

  it('survives a handler that throws', async () => {
    const { connection, transport } = await openConnected();
    const producer = recordingProducer();
    producer.onSendReceipt = () => {
      throw new Error('bug');
    };
    connection.registerProducer(1n, producer);
    transport.receiveCommand({ type: T.SEND_RECEIPT, sendReceipt: { producerId: 1n, sequenceId: 1n } });
    transport.receiveCommand({ type: T.PING, ping: {} });
    assert.equal(connection.isClosed, false);
    assert.equal(transport.lastSent()?.type, T.PONG);
  });
});

describe('close fan-out', () => {
  it('on connection loss rejects every pending request and tells every handler and listener', async () => {
    const { connection, transport } = await openConnected();
    const producers = [recordingProducer(), recordingProducer()];
    const consumer = recordingConsumer();
    for (const [i, p] of producers.entries()) connection.registerProducer(BigInt(i), p);
    connection.registerConsumer(0n, consumer);
    const closes: Error[] = [];
    connection.onClose((e) => closes.push(e));
    const requests = [1, 2, 3].map(() => connection.request((id) => lookupCommand('t', id, false)));
    transport.peerClose(new Error('ECONNRESET'));
    for (const request of requests) {
      const error = await request.catch((e: unknown) => e);
      assert.ok(error instanceof ConnectionError);
      assert.equal(error.retriable, true);
    }
    for (const handler of [...producers, consumer]) {
      assert.deepEqual(
        handler.calls.map(([k]) => k),
        ['connectionClosed'],
      );
    }
    assert.equal(closes.length, 1);
    assert.equal(connection.isClosed, true);
  });
});

describe('auth challenge', () => {
  it('answers AUTH_CHALLENGE with AUTH_RESPONSE carrying a freshly fetched token', async () => {
    let token = 'first';
    const { transport } = await openConnected({
      authentication: AuthenticationToken.fromSupplier(() => token),
    });
    token = 'second';
    transport.receiveCommand({
      type: T.AUTH_CHALLENGE,
      authChallenge: {
        challenge: { authMethodName: 'token', authData: new TextEncoder().encode('refresh.auth.data') },
      },
    });
    await settle();
    const response = transport.sentOfType(T.AUTH_RESPONSE)[0]?.authResponse;
    assert.equal(response?.response?.authMethodName, 'token');
    assert.equal(decoder.decode(response?.response?.authData), 'second');
  });
});

describe('write backpressure', () => {
  it('sendPayload reports a full buffer and waitWritable resolves on drain', async () => {
    const { connection, transport } = await openConnected();
    const metadata = create(MessageMetadataSchema, { producerName: 'p', sequenceId: 1n, publishTime: 1n });
    const send = command({ type: T.SEND, send: { producerId: 1n, sequenceId: 1n, numMessages: 1 } });
    assert.equal(connection.sendPayload(send, metadata, Buffer.from('x')), true);
    transport.needsDrain = true;
    assert.equal(connection.sendPayload(send, metadata, Buffer.from('y')), false);
    let writable = false;
    const waiting = connection.waitWritable().then(() => {
      writable = true;
    });
    await settle();
    assert.equal(writable, false);
    transport.drain();
    await waiting;
    assert.equal(writable, true);
    assert.equal(transport.sentOfType(T.SEND).length, 2);
  });

  it('waitWritable resolves at once when the connection closes', async () => {
    const { connection, transport } = await openConnected();
    transport.needsDrain = true;
    const waiting = connection.waitWritable();
    connection.close();
    await waiting;
  });
});

describe('answerConnect helper', () => {
  it('is a broker that only answers CONNECT', async () => {
    const transport = new FakeTransport();
    answerConnect(transport);
    const connection = await PulsarConnection.open(connectionOptions(transport, new FakeClock()));
    assert.equal(connection.maxMessageSize, 5 * 1024 * 1024, 'no max_message_size means the 5 MiB default');
  });
});
