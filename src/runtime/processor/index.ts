// The delivery path: the receive loop takes messages while the dispatcher has room, the processor runs each
// through the executor, publishes the results and acknowledges (or retries, or dead-letters).
export { DeadLetterProperty, deadLetterMessage } from './dead-letter.ts';
export { Dispatcher, type DispatcherOptions, type Pool } from './dispatcher.ts';
export { type Failure, RuntimeFailureCode } from './failure.ts';
export { chainOf, invocationOf } from './invocation.ts';
export { noMetrics, type ProcessorMetrics } from './metrics.ts';
export { type PlannedMessage, plannedMessages, RoutingError } from './outgoing.ts';
export { PartitionOwnership } from './ownership.ts';
export { type DeliveryPolicy, deliveryPolicyFor, type Ordering } from './policy.ts';
export { Disposition, Processor, type ProcessorOptions } from './processor.ts';
export { PublishError, Publisher } from './publisher.ts';
export { ReceiveLoop, type ReceiveLoopOptions } from './receive-loop.ts';
export {
  effectivelyOnceProducerName,
  type SequenceAttempt,
  SequenceIdRangeError,
  sequenceAttempt,
  sequenceIdOf,
} from './sequence.ts';
