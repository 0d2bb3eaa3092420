// Producer commands.
//
//   PRODUCER(topic, producer_id, request_id, producer_name?, epoch, user_provided_producer_name,
//            producer_access_mode, topic_epoch?, metadata[])
//        → PRODUCER_SUCCESS(producer_name, last_sequence_id, topic_epoch?, producer_ready) | ERROR
//   SEND(producer_id, sequence_id, num_messages, highest_sequence_id?, is_chunk?) + payload frame
//        → SEND_RECEIPT(sequence_id, message_id) | SEND_ERROR(sequence_id, error, message)
//   CLOSE_PRODUCER(producer_id, request_id) → SUCCESS | ERROR; the broker sends it too (topic unloaded)
import { create } from '@bufbuild/protobuf';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  ProducerAccessMode,
} from '../generated/pulsar_api_pb.js';
import { keyValues } from './key-values.ts';

export interface ProducerInit {
  topic: string;
  producerId: bigint;
  requestId: bigint;
  /** Absent: the broker assigns a unique name (send the assigned one, with userProvided false, on reconnect). */
  producerName?: string;
  /** 0 on the first attempt, raised by one on each reconnect. */
  epoch: bigint;
  userProvidedProducerName: boolean;
  /** Default Shared. */
  accessMode?: ProducerAccessMode;
  /** The epoch PRODUCER_SUCCESS returned, on reconnect of an exclusive producer. */
  topicEpoch?: bigint;
  /** Producer properties (visible in topic stats). */
  metadata?: Readonly<Record<string, string>>;
}

export function producerCommand(init: ProducerInit): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.PRODUCER,
    producer: {
      topic: init.topic,
      producerId: init.producerId,
      requestId: init.requestId,
      producerName: init.producerName,
      epoch: init.epoch,
      userProvidedProducerName: init.userProvidedProducerName,
      producerAccessMode: init.accessMode ?? ProducerAccessMode.Shared,
      topicEpoch: init.topicEpoch,
      metadata: keyValues(init.metadata),
    },
  });
}

export interface SendOptions {
  /** Sequence id of the last message of a batch whose messages carry their own sequence ids. */
  highestSequenceId?: bigint;
  /** The payload is one chunk of a chunked message. */
  isChunk?: boolean;
}

/** SEND for one message or one batch; `sequenceId` is that of the (first) message. */
export function sendCommand(
  producerId: bigint,
  sequenceId: bigint,
  numMessages: number,
  options: SendOptions = {},
): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.SEND,
    send: {
      producerId,
      sequenceId,
      // 1 is the default; left out as Apache's Java client does (2 bytes less per SEND).
      numMessages: numMessages === 1 ? undefined : numMessages,
      highestSequenceId: options.highestSequenceId,
      isChunk: options.isChunk || undefined,
    },
  });
}

export function closeProducerCommand(producerId: bigint, requestId: bigint): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.CLOSE_PRODUCER,
    closeProducer: { producerId, requestId },
  });
}
