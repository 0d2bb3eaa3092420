// Shared setup for connection tests: a connection over a FakeTransport, handshaken by a fake broker.
import { type ConnectionOptions, PulsarConnection } from '../../../../src/pulsar/connection/connection.ts';
import type { ConsumerHandler, ProducerHandler } from '../../../../src/pulsar/connection/contract.ts';
import { silentLogger } from '../../../../src/pulsar/util/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { answerConnect, type CommandInit, FakeTransport } from '../../../support/fake-transport.ts';

export interface Connected {
  connection: PulsarConnection;
  transport: FakeTransport;
  clock: FakeClock;
}

export function connectionOptions(
  transport: FakeTransport,
  clock: FakeClock,
  overrides: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  return {
    transport,
    logicalAddress: '127.0.0.1:6650',
    physicalAddress: '127.0.0.1:6650',
    authentication: undefined,
    clock,
    logger: silentLogger,
    keepAliveIntervalMs: 30_000,
    operationTimeoutMs: 5_000,
    handshakeTimeoutMs: 10_000,
    ...overrides,
  };
}

/** Opens a connection whose fake broker answers CONNECT with CONNECTED (plus `connected` fields). */
export async function openConnected(
  overrides: Partial<ConnectionOptions> = {},
  connected: CommandInit['connected'] = {},
): Promise<Connected> {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  answerConnect(transport, connected);
  const connection = await PulsarConnection.open(connectionOptions(transport, clock, overrides));
  return { connection, transport, clock };
}

/** Records every call a producer handler gets. */
export function recordingProducer(): ProducerHandler & { calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  return {
    calls,
    onSendReceipt: (c) => calls.push(['receipt', c]),
    onSendError: (c) => calls.push(['sendError', c]),
    onCloseProducer: (c) => calls.push(['closeProducer', c]),
    onConnectionClosed: (e) => calls.push(['connectionClosed', e]),
  };
}

export function recordingConsumer(): ConsumerHandler & { calls: Array<[string, unknown, unknown?]> } {
  const calls: Array<[string, unknown, unknown?]> = [];
  return {
    calls,
    onMessage: (c, p) => calls.push(['message', c, p]),
    onActiveConsumerChange: (c) => calls.push(['activeChange', c]),
    onCloseConsumer: (c) => calls.push(['closeConsumer', c]),
    onReachedEndOfTopic: (c) => calls.push(['endOfTopic', c]),
    onConnectionClosed: (e) => calls.push(['connectionClosed', e]),
  };
}
