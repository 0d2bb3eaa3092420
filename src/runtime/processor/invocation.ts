// A consumed message as the executor sees it, and the key that orders it. Pure.
import type { Message } from '../../pulsar/index.ts';
import type { Invocation } from '../function-executor/index.ts';
import type { Ordering } from './policy.ts';

/**
 * `attempt` counts runs inside this instance (retries in place): the script sees the redelivery count it would
 * have seen had the message been redelivered by the broker.
 */
export function invocationOf(message: Message, attempt: number): Invocation {
  return {
    payload: message.payload,
    messageId: message.messageId.toString(),
    key: message.key,
    topic: message.topic,
    publishTime: message.publishTime,
    eventTime: message.eventTime,
    redeliveryCount: message.redeliveryCount + attempt,
    properties: message.properties,
  };
}

/**
 * The chain a message waits in: messages of one chain run one after another. Key_Shared routes by ordering
 * key when there is one, else by key, so the same applies here. A message without either has no order to keep
 * under per-key ordering (undefined: it runs as soon as the pool has room).
 */
export function chainOf(message: Message, ordering: Ordering): string | undefined {
  if (ordering === 'none') return undefined;
  if (ordering === 'total') return '';
  if (message.orderingKey !== undefined && message.orderingKey.length > 0) {
    return `o:${message.orderingKey.toString('base64')}`;
  }
  return message.key === undefined ? undefined : `k:${message.key}`;
}
