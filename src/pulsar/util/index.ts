// Small dependencies passed into the client instead of globals: a clock (real or fake) and a logger.

export interface Timer {
  /** Stops the timer; safe to call more than once. */
  cancel(): void;
}

/** Time source. Tests pass a fake one to drive timers without real sleeps. */
export interface Clock {
  /** Milliseconds since the epoch (wall clock): publish and event times, log timestamps. */
  now(): number;
  /**
   * Milliseconds from an arbitrary origin that never goes back or jumps with the wall clock (NTP steps,
   * manual changes): what the client measures timeouts, keepalive, deadlines and nack due times with.
   * Optional so that clocks written before it still fit; without it the client falls back to now().
   */
  monotonicNow?(): number;
  /** Client timers never keep the process alive on their own (they are unref'd). */
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
  /**
   * Keeps the process alive until the returned Timer is cancelled. The client holds one while a send() or
   * receive() is pending, so that awaiting one is never cut short by the process exiting during a reconnect
   * backoff (when no socket is open). Optional; without it nothing is held.
   */
  keepAlive?(): Timer;
}

/** The longest delay Node's timers take (2^31-1 ms); the keep-alive interval never needs to fire. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    // Client timers must never keep the process alive on their own.
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
  keepAlive() {
    const handle = setInterval(() => {}, MAX_TIMER_MS);
    return { cancel: () => clearInterval(handle) };
  },
};

/** The clock's monotonic time (see Clock.monotonicNow), or its wall time when it has none. */
export function monotonicNow(clock: Clock): number {
  return clock.monotonicNow === undefined ? clock.now() : clock.monotonicNow();
}

/**
 * Holds the process alive while its owner has work a caller awaits (see Clock.keepAlive). `busy(…)` is
 * idempotent and cheap when nothing changes, so owners call it after every change of their pending count.
 */
export class KeepAlive {
  readonly #clock: Clock;
  #held: Timer | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  busy(pending: boolean): void {
    if (pending) {
      if (this.#held === undefined) this.#held = this.#clock.keepAlive?.() ?? noTimer;
    } else if (this.#held !== undefined) {
      this.#held.cancel();
      this.#held = undefined;
    }
  }

  get held(): boolean {
    return this.#held !== undefined;
  }
}

const noTimer: Timer = { cancel: () => {} };

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The subset of pino's logger the client uses; pino instances satisfy it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
