// Acknowledgement bookkeeping of one partition consumer. A batch entry is acknowledged as a whole once every
// one of its messages is. Before that, with batch-index acknowledgement (PIP-54), each member ack is sent as an
// ack of the entry carrying an ack_set of the members still outstanding (Java's
// PersistentAcknowledgmentsGroupingTracker), so a broker with acknowledgmentAtBatchIndexLevelEnabled never
// redelivers acknowledged members; without it the broker only knows entries, and a cumulative ack in the
// middle of a batch can only cover the entry before it (Go's ackIDCommon / internalAckIDCumulative).
import { InvalidArgumentError } from '../errors.ts';
import { compareMessageIds, PulsarMessageId } from '../message-id.ts';
import type { MessageId } from '../types.ts';

/** What is known of one batch entry while some of its members are not acknowledged. */
export interface BatchState {
  readonly key: string;
  /** 1 for each member not acknowledged yet. */
  readonly outstanding: Uint8Array;
  remaining: number;
  /** A cumulative ack inside this batch already covered the entry before it. */
  previousAcked: boolean;
  /**
   * A member was handed to the application (or an ack named one): someone may still acknowledge a member,
   * so the state must outlive a dropped prefetch queue.
   */
  handedOut: boolean;
}

export function entryKey(id: Pick<MessageId, 'ledgerId' | 'entryId'>): string {
  return `${id.ledgerId}:${id.entryId}`;
}

/** The entry a message lives in, as the broker addresses it in ACK and REDELIVER. */
export function entryOf(id: MessageId): PulsarMessageId {
  return new PulsarMessageId(id.ledgerId, id.entryId, id.partition);
}

/**
 * An entry to acknowledge. With `partial`, only some of its members are: the ACK carries the ack_set of the
 * members `partial` still has outstanding when it is sent (so acks made meanwhile are included).
 */
export interface EntryAck {
  readonly entry: PulsarMessageId;
  readonly partial?: BatchState;
}

function newState(key: string, size: number): BatchState {
  return {
    key,
    outstanding: new Uint8Array(size).fill(1),
    remaining: size,
    previousAcked: false,
    handedOut: false,
  };
}

/** Marks member `index` acknowledged; false when it already was. */
function clear(state: BatchState, index: number): boolean {
  if (state.outstanding[index] !== 1) return false;
  state.outstanding[index] = 0;
  state.remaining--;
  return true;
}

/**
 * An ack of a batch member never becomes an ack of its whole entry unless every member is acknowledged:
 * the other members may still be unprocessed. When the batch's state is gone, it is rebuilt from the id's
 * batchSize, which ids without one (parseMessageId) cannot give.
 */
export class BatchAckTracker {
  readonly #batchIndexAck: boolean;
  readonly #batches = new Map<string, BatchState>();
  /**
   * Each delivered member id → the state of its batch, so that its ack finds that state even after the map
   * moved on (the entry forgotten, or redelivered and registered anew); ids the application built have none.
   */
  readonly #stateOf = new WeakMap<MessageId, BatchState>();

  /** `batchIndexAck`: acks of some members of a batch are sent (as partial entry acks), not held back. */
  constructor(batchIndexAck: boolean) {
    this.#batchIndexAck = batchIndexAck;
  }

  /**
   * Records a batch entry as it arrives. `acked(i)` tells which members need no ack from the application
   * (cleared in the broker's ack_set, compacted out). Keeps what was already acknowledged when the entry comes
   * again (redelivery), so those members are not delivered twice. `remaining` 0 means nothing is left to ack.
   */
  register(ledgerId: bigint, entryId: bigint, size: number, acked: (index: number) => boolean): BatchState {
    const key = entryKey({ ledgerId, entryId });
    let state = this.#batches.get(key);
    if (state === undefined || state.outstanding.length !== size) {
      state = newState(key, size);
      this.#batches.set(key, state);
    }
    for (let i = 0; i < size; i++) if (acked(i)) clear(state, i);
    if (state.remaining === 0) this.#drop(state);
    return state;
  }

  /** `id` is delivered as a member of the batch `state`. */
  bind(id: MessageId, state: BatchState): void {
    this.#stateOf.set(id, state);
  }

  /** The application took this member: its batch is no longer forgettable. */
  handedOut(id: MessageId): void {
    const state = this.#stateOf.get(id);
    if (state !== undefined) state.handedOut = true;
  }

  /**
   * The prefetch queue was dropped with members of this entry in it. When no member of the batch was ever
   * handed to the application, nobody can acknowledge one any more: forget it (the broker may redeliver it to
   * another consumer). Otherwise it is kept, so that acks of members in the application's hands stay member
   * acks, and a redelivery to us skips the members already acknowledged.
   */
  forgetUntouched(ledgerId: bigint, entryId: bigint): void {
    const key = entryKey({ ledgerId, entryId });
    const state = this.#batches.get(key);
    if (state !== undefined && !state.handedOut) this.#batches.delete(key);
  }

  /** True when this member of a tracked batch was already acknowledged (skip it on redelivery). */
  isAcked(ledgerId: bigint, entryId: bigint, index: number): boolean {
    const state = this.#batches.get(entryKey({ ledgerId, entryId }));
    return state !== undefined && state.outstanding[index] === 0;
  }

  /**
   * Individual ack of one message. Returns the entry to acknowledge: whole once the last member of its batch
   * is acked, partial before that with batch-index acks (undefined without), and undefined when this member
   * was already acknowledged. Throws InvalidArgumentError for a batch member id that does not say how large
   * its batch is.
   */
  acknowledge(id: MessageId): EntryAck | undefined {
    if (id.batchIndex < 0) return { entry: entryOf(id) };
    const state = this.#stateFor(id);
    if (!clear(state, id.batchIndex)) return undefined;
    if (state.remaining > 0) return this.#batchIndexAck ? { entry: entryOf(id), partial: state } : undefined;
    this.#drop(state);
    return { entry: entryOf(id) };
  }

  /**
   * Cumulative ack up to and including `id`. Returns the entry to acknowledge cumulatively, or undefined when
   * nothing new can be sent yet. Inside an incomplete batch that is, with batch-index acks, the entry itself
   * as a partial ack (the broker keeps the entry before it and the ack_set), else the entry before it. Throws
   * InvalidArgumentError like acknowledge.
   */
  acknowledgeCumulative(id: MessageId): EntryAck | undefined {
    let target: PulsarMessageId | undefined;
    if (id.batchIndex < 0) {
      target = entryOf(id);
    } else {
      const state = this.#stateFor(id);
      for (let i = 0; i <= id.batchIndex && i < state.outstanding.length; i++) clear(state, i);
      if (state.remaining === 0) {
        this.#drop(state);
        target = entryOf(id);
      } else if (this.#batchIndexAck) {
        const entry = entryOf(id);
        this.#forgetUpTo(entry, false);
        return { entry, partial: state };
      } else if (!state.previousAcked && id.entryId > 0n) {
        state.previousAcked = true;
        target = new PulsarMessageId(id.ledgerId, id.entryId - 1n, id.partition);
      } else {
        // Entry 0 has no previous entry in its ledger; the next cumulative ack will cover it.
        state.previousAcked = true;
      }
    }
    if (target === undefined) return undefined;
    this.#forgetUpTo(target);
    return { entry: target };
  }

  /**
   * The state of the batch a member id belongs to: the one it was delivered with, else the tracked one, else
   * a new one from the id's batchSize with every member outstanding (the application holds this member, so
   * the others may still be unprocessed).
   */
  #stateFor(id: MessageId): BatchState {
    const bound = this.#stateOf.get(id);
    if (bound !== undefined) return bound;
    const size = id.batchSize;
    // Refused even when the batch is tracked: whether it still is depends on reconnects, and an ack that
    // works only sometimes is worse than one that never does.
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new InvalidArgumentError(
        'messageId',
        `${id.toString()} is a batch member without its batchSize (ids parsed from text have none), so ` +
          'its batch cannot be tracked; pass the Message or the id it carries',
      );
    }
    if (id.batchIndex >= size) {
      throw new InvalidArgumentError(
        'messageId',
        `batch index ${id.batchIndex} is outside its batch of ${size} (${id.toString()})`,
      );
    }
    const key = entryKey(id);
    let state = this.#batches.get(key);
    if (state !== undefined && state.outstanding.length !== size) {
      throw new InvalidArgumentError(
        'messageId',
        `${id.toString()} says its batch has ${size} members, the broker sent ${state.outstanding.length}`,
      );
    }
    if (state === undefined) {
      state = newState(key, size);
      this.#batches.set(key, state);
    }
    state.handedOut = true;
    return state;
  }

  /** The batch is complete: stop tracking it (unless the map has moved on to a newer state for the entry). */
  #drop(state: BatchState): void {
    if (this.#batches.get(state.key) === state) this.#batches.delete(state.key);
  }

  /** Batches up to `position` (`inclusive`) are covered by a cumulative ack: nothing more to track for them. */
  #forgetUpTo(position: MessageId, inclusive = true): void {
    for (const [key, _] of this.#batches) {
      const [ledger, entry] = key.split(':') as [string, string];
      const order = compareMessageIds(new PulsarMessageId(BigInt(ledger), BigInt(entry)), position);
      if (order < 0 || (inclusive && order === 0)) this.#batches.delete(key);
    }
  }

  get trackedBatches(): number {
    return this.#batches.size;
  }
}

/** An ACK about to be sent. */
export interface AckBatch {
  readonly individual: readonly EntryAck[];
  readonly cumulative: EntryAck | undefined;
}

/**
 * Groups the acks made in one turn of the event loop into one ACK command, and keeps them while the consumer
 * is disconnected: the broker ignores acks for messages it has already redelivered elsewhere, and accepts the
 * others after a resubscribe. One ack per entry: a whole-entry ack replaces a partial one, never the reverse.
 */
export class PendingAcks {
  #individual = new Map<string, EntryAck>();
  #cumulative: EntryAck | undefined;
  #scheduled = false;
  readonly #flush: (batch: AckBatch) => boolean;

  /** `flush` sends the batch and returns false when it could not (disconnected): the acks are kept. */
  constructor(flush: (batch: AckBatch) => boolean) {
    this.#flush = flush;
  }

  addIndividual(ack: EntryAck): void {
    const key = entryKey(ack.entry);
    const current = this.#individual.get(key);
    if (current === undefined || current.partial !== undefined) this.#individual.set(key, ack);
    this.#schedule();
  }

  addCumulative(ack: EntryAck): void {
    const current = this.#cumulative;
    const order = current === undefined ? 1 : compareMessageIds(ack.entry, current.entry);
    if (order > 0 || (order === 0 && current?.partial !== undefined)) this.#cumulative = ack;
    this.#schedule();
  }

  get size(): number {
    return this.#individual.size + (this.#cumulative === undefined ? 0 : 1);
  }

  /** Sends what is pending now (after a resubscribe, before closing). */
  flushNow(): void {
    this.#scheduled = false;
    if (this.size === 0) return;
    const batch: AckBatch = { individual: [...this.#individual.values()], cumulative: this.#cumulative };
    if (this.#flush(batch)) {
      this.#individual = new Map();
      this.#cumulative = undefined;
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      if (this.#scheduled) this.flushNow();
    });
  }
}
