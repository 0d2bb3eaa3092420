// One builder call per golden frame in fixtures/*.json; GenFixtures.java builds the same commands with
// Apache Pulsar's Java codec. Keep the two in step.
import {
  ackCommand,
  authResponseCommand,
  type BaseCommand,
  CommandAck_AckType,
  CommandAck_ValidationError,
  CommandGetTopicsOfNamespace_Mode,
  CommandSubscribe_InitialPosition,
  CommandSubscribe_SubType,
  closeConsumerCommand,
  closeProducerCommand,
  connectCommand,
  flowCommand,
  getLastMessageIdCommand,
  getTopicsOfNamespaceCommand,
  KeySharedMode,
  lookupCommand,
  PROTOCOL_VERSION,
  ProducerAccessMode,
  partitionedMetadataCommand,
  pingCommand,
  pongCommand,
  producerCommand,
  redeliverCommand,
  seekCommand,
  sendCommand,
  subscribeCommand,
  unsubscribeCommand,
} from '../../../../src/pulsar/protocol/index.ts';

const TOPIC = 'persistent://public/default/t';
const utf8 = (s: string) => new TextEncoder().encode(s);

export const commandCases: Record<string, Record<string, () => BaseCommand>> = {
  connect: {
    connect_token: () =>
      connectCommand({ protocolVersion: PROTOCOL_VERSION, authMethodName: 'token', authData: utf8('abc') }),
    connect_proxy: () => connectCommand({ proxyToBrokerUrl: 'broker-1:6650' }),
    auth_response: () => authResponseCommand({ authMethodName: 'token', authData: utf8('xyz') }),
  },
  ping: {
    ping: pingCommand,
    pong: pongCommand,
  },
  lookup: {
    partitioned_metadata: () => partitionedMetadataCommand(TOPIC, 0n),
    lookup: () => lookupCommand(TOPIC, 7n, false),
    lookup_authoritative_listener: () => lookupCommand(TOPIC, 300n, true, 'internal'),
    topics_of_namespace: () => getTopicsOfNamespaceCommand('public/default', 1n),
    topics_of_namespace_pattern: () =>
      getTopicsOfNamespaceCommand('public/default', 2n, {
        mode: CommandGetTopicsOfNamespace_Mode.ALL,
        topicsPattern: 'persistent://public/default/in-.*',
        topicsHash: 'abcd',
      }),
  },
  producer: {
    producer_unnamed: () =>
      producerCommand({
        topic: TOPIC,
        producerId: 0n,
        requestId: 0n,
        epoch: 0n,
        userProvidedProducerName: false,
      }),
    producer_named: () =>
      producerCommand({
        topic: TOPIC,
        producerId: 3n,
        requestId: 12n,
        producerName: 'p-1',
        epoch: 2n,
        userProvidedProducerName: true,
        accessMode: ProducerAccessMode.Exclusive,
        topicEpoch: 5n,
        metadata: { app: 'pf-bash' },
      }),
    send_zero: () => sendCommand(0n, 0n, 1),
    send_batch: () => sendCommand(3n, 1000n, 10, { highestSequenceId: 1009n }),
    send_chunk: () => sendCommand(1n, 5n, 1, { isChunk: true }),
    close_producer: () => closeProducerCommand(0n, 0n),
  },
  consumer: {
    subscribe_shared: () =>
      subscribeCommand({
        topic: TOPIC,
        subscription: 'sub',
        subType: CommandSubscribe_SubType.Shared,
        consumerId: 0n,
        requestId: 0n,
        consumerName: 'c',
        initialPosition: CommandSubscribe_InitialPosition.Earliest,
      }),
    subscribe_key_shared: () =>
      subscribeCommand({
        topic: TOPIC,
        subscription: 'ks',
        subType: CommandSubscribe_SubType.Key_Shared,
        consumerId: 9n,
        requestId: 21n,
        keySharedMeta: { keySharedMode: KeySharedMode.AUTO_SPLIT },
        metadata: { fn: 'wc' },
      }),
    subscribe_reader: () =>
      subscribeCommand({
        topic: TOPIC,
        subscription: 'reader-1',
        subType: CommandSubscribe_SubType.Exclusive,
        consumerId: 2n,
        requestId: 3n,
        durable: false,
        readCompacted: true,
        forceTopicCreation: false,
        startMessageId: { ledgerId: 10n, entryId: 20n },
      }),
    flow_zero: () => flowCommand(0n, 0),
    flow: () => flowCommand(1n, 1000),
    redeliver_all: () => redeliverCommand(4n),
    redeliver_some: () =>
      redeliverCommand(4n, [
        { ledgerId: 1n, entryId: 2n },
        { ledgerId: 1n, entryId: 3n },
      ]),
    unsubscribe: () => unsubscribeCommand(5n, 10n),
    unsubscribe_force: () => unsubscribeCommand(5n, 11n, true),
    close_consumer: () => closeConsumerCommand(5n, 9n),
    get_last_message_id: () => getLastMessageIdCommand(4n, 8n),
    seek_message_id: () => seekCommand(4n, 13n, { messageId: { ledgerId: 77n, entryId: 0n } }),
    seek_publish_time: () => seekCommand(4n, 14n, { publishTimeMs: 1700000000000n }),
  },
  ack: {
    ack_individual: () =>
      ackCommand(2n, CommandAck_AckType.Individual, [
        { ledgerId: 1n, entryId: 2n },
        { ledgerId: 3n, entryId: 4n, ackSet: [-2n] },
      ]),
    ack_cumulative_zero: () => ackCommand(0n, CommandAck_AckType.Cumulative, [{ ledgerId: 0n, entryId: 0n }]),
    ack_validation_error: () =>
      ackCommand(6n, CommandAck_AckType.Individual, [{ ledgerId: 123456789012n, entryId: 5n }], {
        validationError: CommandAck_ValidationError.ChecksumMismatch,
        requestId: 99n,
      }),
  },
};
