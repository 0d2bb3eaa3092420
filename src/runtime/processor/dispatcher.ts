// Where held messages wait and run. Three bounds and one rule:
//   - held (queued + running + publishing) ≤ maxHeld: the receive loop waits for room before taking the next
//     message, so the consumer stops granting FLOW permits and the broker stops pushing;
//   - scripts running at once ≤ concurrency (p-queue); publishing happens outside the pool, so a slot is free
//     as soon as its script exits;
//   - messages of one chain (a key, or everything under total order) are handled one after another, each
//     starting once the previous one is settled (published and acknowledged, or dead-lettered).
import PQueue from 'p-queue';

export interface Pool {
  /** Runs `task` when a pool slot is free. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

export interface DispatcherOptions {
  readonly concurrency: number;
  readonly maxHeld: number;
  /** Called with the number held whenever it changes (a gauge). */
  readonly onHeldChange?: (held: number) => void;
  /** Called with the number of pool tasks running whenever it changes (a gauge). */
  readonly onRunningChange?: (running: number) => void;
}

export class Dispatcher implements Pool {
  readonly #pool: PQueue;
  readonly #maxHeld: number;
  readonly #onHeldChange: ((held: number) => void) | undefined;
  readonly #onRunningChange: ((running: number) => void) | undefined;
  readonly #chains = new Map<string, Promise<void>>();
  #held = 0;
  #running = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];

  constructor(options: DispatcherOptions) {
    this.#pool = new PQueue({ concurrency: options.concurrency });
    this.#maxHeld = options.maxHeld;
    this.#onHeldChange = options.onHeldChange;
    this.#onRunningChange = options.onRunningChange;
  }

  /** Messages submitted and not yet settled. */
  get held(): number {
    return this.#held;
  }

  /** Pool tasks (scripts) running now. */
  get running(): number {
    return this.#running;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.#pool.add(async () => {
      this.#onRunningChange?.(++this.#running);
      try {
        return await task();
      } finally {
        this.#onRunningChange?.(--this.#running);
      }
    });
  }

  /** Resolves once fewer than maxHeld messages are held. */
  whenRoom(): Promise<void> {
    if (this.#held < this.#maxHeld) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Resolves once nothing is held. */
  whenIdle(): Promise<void> {
    if (this.#held === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Holds a message until `handle` settles. With a chain, `handle` starts after the chain's previous message
   * settled. `handle` must not reject; if it does anyway, the chain goes on and `onError` hears of it.
   */
  submit(chain: string | undefined, handle: () => Promise<void>, onError: (error: unknown) => void): void {
    this.#setHeld(this.#held + 1);
    const guarded = () => handle().catch(onError);
    if (chain === undefined) {
      void guarded().finally(() => this.#release());
      return;
    }
    const previous = this.#chains.get(chain) ?? Promise.resolve();
    const done = previous.then(guarded).finally(() => {
      if (this.#chains.get(chain) === done) this.#chains.delete(chain);
      this.#release();
    });
    this.#chains.set(chain, done);
  }

  #release(): void {
    this.#setHeld(this.#held - 1);
    if (this.#held < this.#maxHeld) {
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const wake of waiters) wake();
    }
    if (this.#held === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  #setHeld(held: number): void {
    this.#held = held;
    this.#onHeldChange?.(held);
  }
}
