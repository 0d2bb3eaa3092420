// Acknowledgement.
//
//   ACK(consumer_id, ack_type Individual|Cumulative, message_id[]{ledgerId, entryId, ack_set?},
//       validation_error?, request_id?)
//   No answer, unless request_id is set: then ACK_RESPONSE(consumer_id, request_id, error?).
//   Cumulative acks take exactly one id and are refused on Shared and Key_Shared subscriptions.
import { create } from '@bufbuild/protobuf';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  type CommandAck_AckType,
  type CommandAck_ValidationError,
} from '../generated/pulsar_api_pb.js';
import type { MessageIdInit } from './message-id.ts';

export interface AckOptions {
  /** Why the messages are acked without reaching the application (bad checksum, undecodable batch…). */
  validationError?: CommandAck_ValidationError;
  /** Asks for an ACK_RESPONSE (protocol v17+). */
  requestId?: bigint;
}

export function ackCommand(
  consumerId: bigint,
  ackType: CommandAck_AckType,
  messageIds: readonly MessageIdInit[],
  options: AckOptions = {},
): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.ACK,
    ack: {
      consumerId,
      ackType,
      messageId: [...messageIds],
      validationError: options.validationError,
      requestId: options.requestId,
    },
  });
}
