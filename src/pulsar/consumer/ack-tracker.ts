// Acknowledgement bookkeeping of one partition consumer. Without batch-index acknowledgement the broker only
// knows entries, so a batch entry is acknowledged once every one of its messages is; a cumulative ack in the
// middle of a batch can only cover the entry before it (Go's ackIDCommon / internalAckIDCumulative).
import { compareMessageIds, PulsarMessageId } from '../message-id.ts';
import type { MessageId } from '../types.ts';

interface BatchState {
  /** 1 for each member not acknowledged yet. */
  readonly outstanding: Uint8Array;
  remaining: number;
  /** A cumulative ack inside this batch already covered the entry before it. */
  previousAcked: boolean;
}

export function entryKey(id: Pick<MessageId, 'ledgerId' | 'entryId'>): string {
  return `${id.ledgerId}:${id.entryId}`;
}

/** The entry a message lives in, as the broker addresses it in ACK and REDELIVER. */
export function entryOf(id: MessageId): PulsarMessageId {
  return new PulsarMessageId(id.ledgerId, id.entryId, id.partition);
}

export class BatchAckTracker {
  readonly #batches = new Map<string, BatchState>();

  /**
   * Records a batch entry as it arrives. `acked(i)` tells which members need no ack from the application
   * (cleared in the broker's ack_set, compacted out). Keeps what was already acknowledged when the entry comes
   * again (redelivery), so those members are not delivered twice. Returns true when nothing is left to ack.
   */
  register(ledgerId: bigint, entryId: bigint, size: number, acked: (index: number) => boolean): boolean {
    const key = entryKey({ ledgerId, entryId });
    let state = this.#batches.get(key);
    if (state === undefined || state.outstanding.length !== size) {
      state = { outstanding: new Uint8Array(size).fill(1), remaining: size, previousAcked: false };
      this.#batches.set(key, state);
    }
    for (let i = 0; i < size; i++) {
      if (state.outstanding[i] === 1 && acked(i)) {
        state.outstanding[i] = 0;
        state.remaining--;
      }
    }
    if (state.remaining === 0) this.#batches.delete(key);
    return state.remaining === 0;
  }

  /**
   * The prefetch queue was dropped and `dropped` members of this entry with it. When those were all its
   * members and none was acknowledged, nobody holds a reference to the batch any more: forget it (the broker
   * may redeliver it to another consumer). A batch with acknowledged members is kept, so that its redelivery
   * to us skips them.
   */
  forgetUntouched(ledgerId: bigint, entryId: bigint, dropped: number): void {
    const key = entryKey({ ledgerId, entryId });
    const state = this.#batches.get(key);
    if (state !== undefined && state.remaining === state.outstanding.length && dropped === state.remaining) {
      this.#batches.delete(key);
    }
  }

  /** True when this member of a tracked batch was already acknowledged (skip it on redelivery). */
  isAcked(ledgerId: bigint, entryId: bigint, index: number): boolean {
    const state = this.#batches.get(entryKey({ ledgerId, entryId }));
    return state !== undefined && state.outstanding[index] === 0;
  }

  /**
   * Individual ack of one message. Returns the entry to acknowledge, or undefined while other members of its
   * batch are still out. An id whose batch is not tracked (already completed, or built by the caller) acks
   * the whole entry, as Go does.
   */
  acknowledge(id: MessageId): PulsarMessageId | undefined {
    if (id.batchIndex < 0) return entryOf(id);
    const key = entryKey(id);
    const state = this.#batches.get(key);
    if (state === undefined) return entryOf(id);
    if (state.outstanding[id.batchIndex] === 1) {
      state.outstanding[id.batchIndex] = 0;
      state.remaining--;
    }
    if (state.remaining > 0) return undefined;
    this.#batches.delete(key);
    return entryOf(id);
  }

  /**
   * Cumulative ack up to and including `id`. Returns the entry to acknowledge cumulatively, or undefined when
   * nothing new can be sent yet.
   */
  acknowledgeCumulative(id: MessageId): PulsarMessageId | undefined {
    const key = entryKey(id);
    const state = id.batchIndex < 0 ? undefined : this.#batches.get(key);
    let target: PulsarMessageId | undefined;
    if (state === undefined) {
      target = entryOf(id);
    } else {
      for (let i = 0; i <= id.batchIndex && i < state.outstanding.length; i++) {
        if (state.outstanding[i] === 1) {
          state.outstanding[i] = 0;
          state.remaining--;
        }
      }
      if (state.remaining === 0) {
        this.#batches.delete(key);
        target = entryOf(id);
      } else if (!state.previousAcked && id.entryId > 0n) {
        state.previousAcked = true;
        target = new PulsarMessageId(id.ledgerId, id.entryId - 1n, id.partition);
      } else {
        // Entry 0 has no previous entry in its ledger; the next cumulative ack will cover it.
        state.previousAcked = true;
      }
    }
    if (target !== undefined) this.#forgetUpTo(target);
    return target;
  }

  /** Batches up to `position` are covered by a cumulative ack: nothing more to track for them. */
  #forgetUpTo(position: MessageId): void {
    for (const [key, _] of this.#batches) {
      const [ledger, entry] = key.split(':') as [string, string];
      if (compareMessageIds(new PulsarMessageId(BigInt(ledger), BigInt(entry)), position) <= 0) {
        this.#batches.delete(key);
      }
    }
  }

  get trackedBatches(): number {
    return this.#batches.size;
  }
}

/** An ACK about to be sent. */
export interface AckBatch {
  readonly individual: readonly PulsarMessageId[];
  readonly cumulative: PulsarMessageId | undefined;
}

/**
 * Groups the acks made in one turn of the event loop into one ACK command, and keeps them while the consumer
 * is disconnected: the broker ignores acks for messages it has already redelivered elsewhere, and accepts the
 * others after a resubscribe.
 */
export class PendingAcks {
  #individual = new Map<string, PulsarMessageId>();
  #cumulative: PulsarMessageId | undefined;
  #scheduled = false;
  readonly #flush: (batch: AckBatch) => boolean;

  /** `flush` sends the batch and returns false when it could not (disconnected): the acks are kept. */
  constructor(flush: (batch: AckBatch) => boolean) {
    this.#flush = flush;
  }

  addIndividual(entry: PulsarMessageId): void {
    this.#individual.set(entryKey(entry), entry);
    this.#schedule();
  }

  addCumulative(entry: PulsarMessageId): void {
    if (this.#cumulative === undefined || compareMessageIds(entry, this.#cumulative) > 0)
      this.#cumulative = entry;
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
