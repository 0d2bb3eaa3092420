// The concrete MessageId: value object, string form, and ordering used by ack tracking.
import { InvalidArgumentError } from './errors.ts';
import type { MessageId } from './types.ts';

export class PulsarMessageId implements MessageId {
  readonly ledgerId: bigint;
  readonly entryId: bigint;
  readonly partition: number;
  readonly batchIndex: number;
  readonly batchSize: number;

  constructor(ledgerId: bigint, entryId: bigint, partition = -1, batchIndex = -1, batchSize = 0) {
    this.ledgerId = ledgerId;
    this.entryId = entryId;
    this.partition = partition;
    this.batchIndex = batchIndex;
    this.batchSize = batchSize;
  }

  toString(): string {
    return `${this.ledgerId}:${this.entryId}:${this.partition}:${this.batchIndex}`;
  }

  /** Same entry (ledger and entry), whatever the batch index. */
  sameEntry(other: MessageId): boolean {
    return this.ledgerId === other.ledgerId && this.entryId === other.entryId;
  }
}

/** Orders ids by ledger, entry, then batch index (partition is not compared). */
export function compareMessageIds(a: MessageId, b: MessageId): number {
  if (a.ledgerId !== b.ledgerId) return a.ledgerId < b.ledgerId ? -1 : 1;
  if (a.entryId !== b.entryId) return a.entryId < b.entryId ? -1 : 1;
  return a.batchIndex - b.batchIndex;
}

/** Parses the `ledger:entry:partition:batchIndex` form written by toString. */
export function parseMessageId(text: string): PulsarMessageId {
  const parts = text.split(':');
  if (parts.length !== 4 || !parts.every((p) => /^-?\d+$/.test(p))) {
    throw new InvalidArgumentError(
      'messageId',
      `expected ledger:entry:partition:batchIndex, got \`${text}\``,
    );
  }
  const [ledger, entry, partition, batchIndex] = parts as [string, string, string, string];
  return new PulsarMessageId(BigInt(ledger), BigInt(entry), Number(partition), Number(batchIndex));
}
