// Effectively-once: the name and sequence ids of what a message publishes, derived from the input message so a
// rerun (after a crash, a restart or a retry) sends the same ids and the broker's deduplication drops repeats.
//
// Pulsar Functions name the producer after the input partition and use `(ledgerId << 28) | entryId` as the
// sequence id (FunctionCommon.getSequenceId). That gives every message of a batched entry, and every message
// one input publishes to the same topic, the same id, and deduplication drops all but the first. Here the id
// also says which message of the entry it comes from and which of its messages to that topic it is:
//
//   sequence id = ledgerId (32 bits) | entryId (18 bits) | slot (13 bits)      = 63 bits, positive as a Java long
//   slot        = batchIndex × perMessage + n-th message to this topic,  perMessage = 8192 / batchSize
//
// The slot depends only on the message itself, so the ids hold however an entry comes back: whole, or only its
// unacknowledged members (batch-index acknowledgement). A message of a 1000-message batch may send 8 messages
// to one topic, a message alone 8192. 2^18 entries per ledger is 5 times the broker's default rollover
// (managedLedgerMaxEntriesPerLedger=50000). Ids beyond the layout fail the message, loudly.
import type { Message } from '../../pulsar/index.ts';

const LEDGER_BITS = 32n;
const ENTRY_BITS = 18n;
const SLOT_BITS = 13n;
const SLOTS = 2 ** Number(SLOT_BITS);

export class SequenceIdRangeError extends Error {
  constructor(what: string, value: bigint | number, limit: bigint | number) {
    super(`cannot derive an effectively-once sequence id: ${what} ${value} is not below ${limit}`);
    this.name = 'SequenceIdRangeError';
  }
}

export function sequenceIdOf(ledgerId: bigint, entryId: bigint, slot: number): bigint {
  if (ledgerId < 0n || ledgerId >= 1n << LEDGER_BITS)
    throw new SequenceIdRangeError('ledger id', ledgerId, 1n << LEDGER_BITS);
  if (entryId < 0n || entryId >= 1n << ENTRY_BITS)
    throw new SequenceIdRangeError('entry id', entryId, 1n << ENTRY_BITS);
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS)
    throw new SequenceIdRangeError('slot', slot, SLOTS);
  return (ledgerId << (ENTRY_BITS + SLOT_BITS)) | (entryId << SLOT_BITS) | BigInt(slot);
}

/**
 * One producer name per function and input partition, whatever instance holds the partition: the broker keeps
 * the highest sequence id per producer name, and refuses a second producer with the same name (fencing).
 */
export function effectivelyOnceProducerName(fqfn: string, inputTopic: string): string {
  return `${fqfn}@${inputTopic}`;
}

/** Sequence ids for one attempt at a message: every attempt gives the same ids in the same order. */
export interface SequenceAttempt {
  /** The id of the next message to `destination` (a topic). */
  next(destination: string): bigint;
}

export function sequenceAttempt(message: Message): SequenceAttempt {
  const { ledgerId, entryId, batchIndex, batchSize } = message.messageId;
  const perMessage = Math.floor(SLOTS / Math.max(1, batchSize));
  const first = Math.max(0, batchIndex) * perMessage;
  const sent = new Map<string, number>();
  return {
    next(destination) {
      const n = sent.get(destination) ?? 0;
      if (n >= perMessage) {
        throw new SequenceIdRangeError(
          `message number ${n + 1} to ${destination} from one input of a ${Math.max(1, batchSize)}-message batch:`,
          n + 1,
          perMessage + 1,
        );
      }
      sent.set(destination, n + 1);
      return sequenceIdOf(ledgerId, entryId, first + n);
    },
  };
}
