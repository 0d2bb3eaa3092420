// The messages and ids the consumer hands out. Ids remember the topic (partition) they came from, so an ack
// on a multi-topic consumer reaches the right partition consumer.
import { MessageRefusedError } from '../errors.ts';
import { PulsarMessageId } from '../message-id.ts';
import type { Message, MessageId } from '../types.ts';

export class ConsumerMessageId extends PulsarMessageId {
  /** Full name of the topic or partition the message came from. */
  readonly topic: string;

  constructor(
    topic: string,
    ledgerId: bigint,
    entryId: bigint,
    partition: number,
    batchIndex = -1,
    batchSize = 0,
  ) {
    super(ledgerId, entryId, partition, batchIndex, batchSize);
    this.topic = topic;
  }
}

/** A delivered message: the public Message, with an id that remembers its topic. A plain object. */
export interface ConsumerMessage extends Message {
  readonly messageId: ConsumerMessageId;
}

/**
 * A message the consumer will not deliver as data (it is encrypted, and this client has no keys). It is
 * never acknowledged by the client: the application decides (nack it, or leave it for another consumer).
 */
export class EncryptedMessageError extends MessageRefusedError {
  readonly messageId: MessageId;
  readonly topic: string;

  constructor(topic: string, messageId: MessageId, keyNames: readonly string[]) {
    super(
      `message ${messageId.toString()} on ${topic} is encrypted (keys: ${keyNames.join(', ') || 'unnamed'}); ` +
        'pf-bash cannot decrypt messages, so it is refused and left unacknowledged',
    );
    this.messageId = messageId;
    this.topic = topic;
  }
}

export function isMessage(value: Message | MessageId): value is Message {
  return 'messageId' in value && typeof value.messageId === 'object';
}
