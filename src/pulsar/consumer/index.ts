// The consumer module: subscribe(context, options) is all the client needs; the rest is exported for tests
// and for code that checks types (EncryptedMessageError, ConsumerMessageId).
import type { ClientContext } from '../connection/contract.ts';
import type { Consumer, ConsumerOptions } from '../types.ts';
import { TopicsConsumer } from './consumer.ts';
import { resolveConsumerOptions } from './options.ts';

export { ConsumerState, TopicsConsumer } from './consumer.ts';
export { type ConsumerMessage, ConsumerMessageId, EncryptedMessageError } from './message.ts';
export { consumerDefaults, type ResolvedConsumerOptions, resolveConsumerOptions } from './options.ts';

/**
 * Validates the options (InvalidArgumentError naming the field), subscribes to every topic and partition, and
 * resolves once all are subscribed and have been granted their FLOW permits. Rejects with the broker's error
 * when a subscription is refused (ConsumerBusy for a taken Exclusive subscription), after closing whatever
 * was opened.
 */
export async function subscribe(context: ClientContext, options: ConsumerOptions): Promise<Consumer> {
  const consumer = new TopicsConsumer(context, resolveConsumerOptions(options));
  await consumer.start();
  return consumer;
}
