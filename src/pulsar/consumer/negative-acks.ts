// Negative acknowledgements of one partition consumer: each entry waits the redelivery delay, then the due
// entries are asked back from the broker in one REDELIVER_UNACKNOWLEDGED_MESSAGES. One timer, set for the
// earliest deadline; with a fixed delay, insertion order is deadline order.
import type { PulsarMessageId } from '../message-id.ts';
import { type Clock, monotonicNow, type Timer } from '../util/index.ts';
import { entryKey } from './ack-tracker.ts';

interface Pending {
  readonly entry: PulsarMessageId;
  readonly dueAt: number;
}

export class NegativeAcks {
  readonly #clock: Clock;
  readonly #delayMs: number;
  readonly #redeliver: (entries: PulsarMessageId[]) => void;
  readonly #pending = new Map<string, Pending>();
  #timer: Timer | undefined;

  constructor(clock: Clock, delayMs: number, redeliver: (entries: PulsarMessageId[]) => void) {
    this.#clock = clock;
    this.#delayMs = delayMs;
    this.#redeliver = redeliver;
  }

  /** An entry nacked again before it is due keeps its first deadline. */
  add(entry: PulsarMessageId): void {
    const key = entryKey(entry);
    if (this.#pending.has(key)) return;
    this.#pending.set(key, { entry, dueAt: monotonicNow(this.#clock) + this.#delayMs });
    if (this.#timer === undefined) this.#arm();
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Forgets everything pending (the consumer closed, or the broker is redelivering everything anyway). */
  clear(): void {
    this.#pending.clear();
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    const first = this.#pending.values().next();
    if (first.done === true) return;
    const wait = Math.max(0, first.value.dueAt - monotonicNow(this.#clock));
    this.#timer = this.#clock.setTimeout(() => this.#fire(), wait);
  }

  #fire(): void {
    this.#timer = undefined;
    const now = monotonicNow(this.#clock);
    const due: PulsarMessageId[] = [];
    for (const [key, pending] of this.#pending) {
      if (pending.dueAt > now) break;
      due.push(pending.entry);
      this.#pending.delete(key);
    }
    if (due.length > 0) this.#redeliver(due);
    this.#arm();
  }
}
