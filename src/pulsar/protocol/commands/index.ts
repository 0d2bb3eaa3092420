// Builders of the commands the client sends, one file per command family.
export { type AckOptions, ackCommand } from './ack.ts';
export {
  type AuthResponseInit,
  authResponseCommand,
  type ConnectInit,
  connectCommand,
  DEFAULT_FEATURE_FLAGS,
  type FeatureFlagsInit,
} from './connect.ts';
export {
  closeConsumerCommand,
  flowCommand,
  getLastMessageIdCommand,
  redeliverCommand,
  type SeekTarget,
  type SubscribeInit,
  seekCommand,
  subscribeCommand,
  unsubscribeCommand,
} from './consumer.ts';
export { keyValues, keyValuesToRecord } from './key-values.ts';
export {
  type GetTopicsOfNamespaceOptions,
  getTopicsOfNamespaceCommand,
  lookupCommand,
  partitionedMetadataCommand,
} from './lookup.ts';
export type { MessageIdInit } from './message-id.ts';
export { pingCommand, pongCommand } from './ping.ts';
export {
  closeProducerCommand,
  type ProducerInit,
  producerCommand,
  type SendOptions,
  sendCommand,
} from './producer.ts';
