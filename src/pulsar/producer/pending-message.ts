// What the partition producer keeps per message and per SEND frame between send() and the broker's receipt.
import type { BaseCommand, MessageMetadata } from '../protocol/index.ts';
import type { MessageId, OutgoingMessage } from '../types.ts';

function unset(): void {}

/** One message from send() until its promise settles. */
export class PendingMessage {
  readonly message: OutgoingMessage;
  /** Given when the message enters the producer's order (explicit, or the next of the generator). */
  sequenceId = 0n;
  resolve: (id: MessageId) => void = unset;
  reject: (error: Error) => void = unset;

  constructor(message: OutgoingMessage) {
    this.message = message;
  }
}

/** One SEND frame (a single message or a batch), built once and written again as is after a reconnect. */
export interface SendOp {
  /** Sequence id of the first message: what the receipt names. */
  readonly sequenceId: bigint;
  /** Sequence id of the last message (the same as sequenceId for a single message). */
  readonly highestSequenceId: bigint;
  readonly messages: readonly PendingMessage[];
  /** True when the payload is in batch format, so message ids carry a batch index. */
  readonly batched: boolean;
  readonly command: BaseCommand;
  readonly metadata: MessageMetadata;
  readonly payload: Uint8Array;
  /** Monotonic time (Clock.monotonicNow) when the frame was built: the send timeout runs from here. */
  readonly createdAt: number;
}
