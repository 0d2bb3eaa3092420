// The public API of pf-bash's Pulsar client: everything a user (the runtime included) may import. Anything
// not listed here is internal and may change.
export { AuthenticationToken } from './auth.ts';
export { createClient } from './client.ts';
export { EncryptedMessageError } from './consumer/index.ts';
export {
  AlreadyClosedError,
  AuthenticationError,
  ConnectionError,
  InvalidArgumentError,
  MessageRefusedError,
  ProducerQueueFullError,
  ProtocolError,
  PulsarError,
  type PulsarErrorOptions,
  ServerError,
  ServerErrorCode,
  type ServerErrorName,
  TimeoutError,
} from './errors.ts';
export { parseTopicName, partitionName, type TopicName } from './lookup/topic-name.ts';
export { compareMessageIds, parseMessageId } from './message-id.ts';
export {
  type Authentication,
  type Client,
  type ClientOptions,
  type CloseOptions,
  CompressionType,
  type Consumer,
  type ConsumerOptions,
  InitialPosition,
  type Message,
  type MessageId,
  type OutgoingMessage,
  type Producer,
  type ProducerOptions,
  SubscriptionType,
} from './types.ts';
export { type Clock, type Logger, silentLogger, systemClock, type Timer } from './util/index.ts';
