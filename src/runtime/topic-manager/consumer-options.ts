// The input subscription as the configuration asks for it: pure, so the mapping is tested without a broker.
import type { ConsumerOptions } from '../../pulsar/index.ts';
import type { FunctionRuntimeConfig } from '../config/index.ts';

/**
 * The consumer prefetches at most this many messages per partition. Tied to the pool's bound so that what
 * the instance holds (prefetched + queued + running) stays proportional to `PF_MAX_PENDING`, whatever the
 * backlog: the client grants FLOW permits only as messages are taken, and messages are taken only while the
 * pool has room.
 */
export function receiverQueueSizeFor(maxPending: number): number {
  return Math.max(1, maxPending);
}

/** `tenant/namespace/name:instanceId`, as Pulsar names an instance (FunctionCommon.getFullyQualifiedInstanceId). */
export function instanceName(config: FunctionRuntimeConfig): string {
  return `${config.function.fqfn}:${config.function.instanceId}`;
}

export function consumerOptionsFor(
  config: FunctionRuntimeConfig,
  onActiveChange?: (active: boolean, partition: number, topic: string) => void,
): ConsumerOptions {
  const { input } = config;
  const target =
    input.topicsPattern !== null ? { topicsPattern: input.topicsPattern } : { topics: [...input.topics] };
  return {
    ...target,
    subscription: input.subscriptionName,
    subscriptionType: input.subscriptionType,
    subscriptionInitialPosition: input.subscriptionPosition,
    receiverQueueSize: receiverQueueSizeFor(config.pool.maxPending),
    negativeAckRedeliveryDelayMs: config.delivery.negativeAckRedeliveryDelayMs,
    // Failover picks the active consumer by name: distinct, stable names give each instance its partitions.
    consumerName: instanceName(config),
    properties: {
      'pf-bash.fqfn': config.function.fqfn,
      'pf-bash.instance-id': String(config.function.instanceId),
    },
    ...(onActiveChange === undefined ? {} : { onActiveChange }),
  };
}
