// The TopicManager: the instance's subscription (ConsumerManager) and its producers (ProducerManager).
export { ConsumerManager, type ConsumerManagerOptions, type InputSource } from './consumer-manager.ts';
export { consumerOptionsFor, instanceName, receiverQueueSizeFor } from './consumer-options.ts';
export {
  PRODUCER_DEFAULTS,
  ProducerManager,
  type ProducerManagerOptions,
  type ProducerSource,
  ProducerWithheldError,
} from './producer-manager.ts';
