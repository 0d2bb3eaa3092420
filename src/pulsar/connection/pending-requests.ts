// Requests sent on one connection and not yet answered, by request id: each settles once, by its answer, by
// its timeout, or when the connection closes.

import { TimeoutError } from '../errors.ts';
import type { BaseCommand } from '../protocol/index.ts';
import type { Clock, Timer } from '../util/index.ts';

interface Pending {
  readonly resolve: (command: BaseCommand) => void;
  readonly reject: (error: Error) => void;
  timer: Timer | undefined;
}

export class PendingRequests {
  readonly #clock: Clock;
  readonly #byId = new Map<bigint, Pending>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#byId.size;
  }

  has(requestId: bigint): boolean {
    return this.#byId.has(requestId);
  }

  /** Registers a request; the promise rejects with TimeoutError after `timeoutMs` (0: never). */
  add(requestId: bigint, timeoutMs: number, what: string): Promise<BaseCommand> {
    return new Promise<BaseCommand>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        pending.timer = this.#clock.setTimeout(() => {
          if (this.#byId.get(requestId) !== pending) return;
          this.#byId.delete(requestId);
          reject(new TimeoutError(`${what} (request ${requestId}) got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.#byId.set(requestId, pending);
    });
  }

  /** Settles a request with its answer; false when no such request waits (late or unknown answer). */
  resolve(requestId: bigint, command: BaseCommand): boolean {
    const pending = this.#take(requestId);
    pending?.resolve(command);
    return pending !== undefined;
  }

  reject(requestId: bigint, error: Error): boolean {
    const pending = this.#take(requestId);
    pending?.reject(error);
    return pending !== undefined;
  }

  /** Keeps the request waiting without a deadline (the broker said it will answer later). */
  disarmTimeout(requestId: bigint): void {
    const pending = this.#byId.get(requestId);
    pending?.timer?.cancel();
    if (pending !== undefined) pending.timer = undefined;
  }

  rejectAll(error: Error): void {
    const all = [...this.#byId.values()];
    this.#byId.clear();
    for (const pending of all) {
      pending.timer?.cancel();
      pending.reject(error);
    }
  }

  #take(requestId: bigint): Pending | undefined {
    const pending = this.#byId.get(requestId);
    if (pending === undefined) return undefined;
    this.#byId.delete(requestId);
    pending.timer?.cancel();
    return pending;
  }
}
