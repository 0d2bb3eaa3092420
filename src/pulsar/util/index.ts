// Small dependencies passed into the client instead of globals: a clock (real or fake) and a logger.

export interface Timer {
  /** Stops the timer; safe to call more than once. */
  cancel(): void;
}

/** Time source. Tests pass a fake one to drive timers without real sleeps. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
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
};

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
