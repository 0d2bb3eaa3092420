// Consumer commands (acknowledgement is in ack.ts).
//
//   SUBSCRIBE(topic, subscription, subType, consumer_id, request_id, consumer_name?, durable,
//             initialPosition, start_message_id?, read_compacted?, keySharedMeta?, force_topic_creation,
//             metadata[], ...) → SUCCESS | ERROR
//   FLOW(consumer_id, messagePermits)                             no answer; permits add up
//   REDELIVER_UNACKNOWLEDGED_MESSAGES(consumer_id, message_ids[]) no answer; empty list = everything
//   UNSUBSCRIBE(consumer_id, request_id) → SUCCESS | ERROR
//   CLOSE_CONSUMER(consumer_id, request_id) → SUCCESS | ERROR; the broker sends it too (topic unloaded)
//   GET_LAST_MESSAGE_ID(consumer_id, request_id) → GET_LAST_MESSAGE_ID_RESPONSE(last_message_id, ...)
//   SEEK(consumer_id, request_id, message_id | message_publish_time) → SUCCESS | ERROR
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  CommandSubscribe_InitialPosition,
  type CommandSubscribe_SubType,
  type KeySharedMetaSchema,
} from '../generated/pulsar_api_pb.js';
import { keyValues } from './key-values.ts';
import type { MessageIdInit } from './message-id.ts';

export interface SubscribeInit {
  topic: string;
  subscription: string;
  subType: CommandSubscribe_SubType;
  consumerId: bigint;
  requestId: bigint;
  consumerName?: string;
  /** Default true; a non-durable subscription (a reader) keeps no cursor on the broker. */
  durable?: boolean;
  /** Default Latest. */
  initialPosition?: CommandSubscribe_InitialPosition;
  /** Where a non-durable subscription starts (on reconnect: the first message not yet delivered). */
  startMessageId?: MessageIdInit;
  readCompacted?: boolean;
  /** Key_Shared only: `{ keySharedMode, hashRanges?, allowOutOfOrderDelivery? }`. */
  keySharedMeta?: MessageInitShape<typeof KeySharedMetaSchema>;
  /** Default true (the broker still needs auto-creation enabled). */
  forceTopicCreation?: boolean;
  priorityLevel?: number;
  replicateSubscriptionState?: boolean;
  /** Consumer properties (visible in topic stats). */
  metadata?: Readonly<Record<string, string>>;
  /** Properties stored with the subscription when this call creates it. */
  subscriptionProperties?: Readonly<Record<string, string>>;
  consumerEpoch?: bigint;
}

export function subscribeCommand(init: SubscribeInit): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.SUBSCRIBE,
    subscribe: {
      topic: init.topic,
      subscription: init.subscription,
      subType: init.subType,
      consumerId: init.consumerId,
      requestId: init.requestId,
      consumerName: init.consumerName,
      durable: init.durable ?? true,
      initialPosition: init.initialPosition ?? CommandSubscribe_InitialPosition.Latest,
      startMessageId: init.startMessageId,
      readCompacted: init.readCompacted,
      keySharedMeta: init.keySharedMeta,
      forceTopicCreation: init.forceTopicCreation ?? true,
      priorityLevel: init.priorityLevel,
      replicateSubscriptionState: init.replicateSubscriptionState,
      metadata: keyValues(init.metadata),
      subscriptionProperties: keyValues(init.subscriptionProperties),
      consumerEpoch: init.consumerEpoch,
    },
  });
}

/** Lets the broker push `permits` more messages (entries count as their number of batched messages). */
export function flowCommand(consumerId: bigint, permits: number): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.FLOW,
    flow: { consumerId, messagePermits: permits },
  });
}

/**
 * Asks for unacknowledged messages again: the given ones, or all of them when `ids` is absent or empty.
 * On Exclusive and Failover subscriptions the broker always redelivers all of them.
 */
export function redeliverCommand(
  consumerId: bigint,
  ids?: readonly MessageIdInit[],
  consumerEpoch?: bigint,
): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.REDELIVER_UNACKNOWLEDGED_MESSAGES,
    redeliverUnacknowledgedMessages: { consumerId, messageIds: ids ? [...ids] : [], consumerEpoch },
  });
}

export function unsubscribeCommand(consumerId: bigint, requestId: bigint, force = false): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.UNSUBSCRIBE,
    unsubscribe: { consumerId, requestId, force: force || undefined },
  });
}

export function closeConsumerCommand(consumerId: bigint, requestId: bigint): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.CLOSE_CONSUMER,
    closeConsumer: { consumerId, requestId },
  });
}

export function getLastMessageIdCommand(consumerId: bigint, requestId: bigint): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.GET_LAST_MESSAGE_ID,
    getLastMessageId: { consumerId, requestId },
  });
}

/** Moves the subscription's cursor to a message id, or to the first message published at or after a time. */
export type SeekTarget = { messageId: MessageIdInit } | { publishTimeMs: bigint };

export function seekCommand(consumerId: bigint, requestId: bigint, target: SeekTarget): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.SEEK,
    seek:
      'messageId' in target
        ? { consumerId, requestId, messageId: target.messageId }
        : { consumerId, requestId, messagePublishTime: target.publishTimeMs },
  });
}
