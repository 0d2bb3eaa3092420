// Effectively-once: the name and sequence ids of what a message publishes, derived from the input message so a
// rerun (after a crash, a restart or a retry) sends the same ids and the broker's deduplication drops repeats.
//
// Pulsar Functions name the producer after the input partition and use `(ledgerId << 28) | entryId` as the
// sequence id (FunctionCommon.getSequenceId). That gives every message of a batched entry, and every message
// one input publishes to the same topic, the same id, and deduplication drops all but the first. Here each
// (input entry, destination) also counts its messages in a slot:
//
//   sequence id = ledgerId (32 bits) | entryId (20 bits) | slot (11 bits)     = 63 bits, positive as a Java long
//
// 2^20 entries per ledger is 20 times the broker's default rollover (managedLedgerMaxEntriesPerLedger=50000);
// 2^11 slots is 2048 messages per entry and topic. Ids beyond the layout fail the message, loudly.
import type { Message } from '../../pulsar/index.ts';

const LEDGER_BITS = 32n;
const ENTRY_BITS = 20n;
const SLOT_BITS = 11n;

export class SequenceIdRangeError extends Error {
  constructor(what: string, value: bigint | number, bits: bigint) {
    super(`cannot derive an effectively-once sequence id: ${what} ${value} needs more than ${bits} bits`);
    this.name = 'SequenceIdRangeError';
  }
}

export function sequenceIdOf(ledgerId: bigint, entryId: bigint, slot: number): bigint {
  if (ledgerId < 0n || ledgerId >= 1n << LEDGER_BITS)
    throw new SequenceIdRangeError('ledger id', ledgerId, LEDGER_BITS);
  if (entryId < 0n || entryId >= 1n << ENTRY_BITS)
    throw new SequenceIdRangeError('entry id', entryId, ENTRY_BITS);
  if (slot < 0 || BigInt(slot) >= 1n << SLOT_BITS)
    throw new SequenceIdRangeError('message number', slot, SLOT_BITS);
  return (ledgerId << (ENTRY_BITS + SLOT_BITS)) | (entryId << SLOT_BITS) | BigInt(slot);
}

/**
 * One producer name per function and input partition, whatever instance holds the partition: the broker keeps
 * the highest sequence id per producer name, and refuses a second producer with the same name (fencing).
 */
export function effectivelyOnceProducerName(fqfn: string, inputTopic: string): string {
  return `${fqfn}@${inputTopic}`;
}

/** Sequence ids for one attempt at a message. */
export interface SequenceAttempt {
  /** The next id for a message to `destination` (a topic). */
  next(destination: string): bigint;
  /** The attempt succeeded: the entry's next message continues after its slots. */
  commit(): void;
}

interface EntryState {
  readonly ledgerId: bigint;
  readonly entryId: bigint;
  /** Destination → slots used by the entry's messages done so far. */
  committed: ReadonlyMap<string, number>;
}

/**
 * Messages of one input partition arrive in order, and the members of a batched entry one after another; an
 * effectively-once instance runs one message at a time. So per input partition only the current entry's slots
 * need remembering.
 */
export class OutputSequencer {
  readonly #entries = new Map<string, EntryState>();

  /** Every attempt at a message starts from the same slots, so a retry repeats the ids of the failed attempt. */
  attempt(message: Message): SequenceAttempt {
    const { ledgerId, entryId } = message.messageId;
    let state = this.#entries.get(message.topic);
    if (state === undefined || state.ledgerId !== ledgerId || state.entryId !== entryId) {
      state = { ledgerId, entryId, committed: new Map() };
      this.#entries.set(message.topic, state);
    }
    const entry = state;
    const used = new Map(entry.committed);
    return {
      next: (destination) => {
        const slot = used.get(destination) ?? 0;
        const id = sequenceIdOf(ledgerId, entryId, slot);
        used.set(destination, slot + 1);
        return id;
      },
      commit: () => {
        entry.committed = used;
      },
    };
  }
}
