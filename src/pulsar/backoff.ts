// Reconnect delay policy: starts at `initialMs`, doubles up to `maxMs`, adds up to 20% random jitter, and
// starts over after `reset()` (called once a reconnect succeeds).

export interface Backoff {
  /** The delay to wait before the next attempt, in ms. */
  next(): number;
  reset(): void;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Fraction of the delay added at random, 0..1. Default 0.2. */
  jitter?: number;
  random?: () => number;
}

export function exponentialBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 60_000;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  let current = initialMs;
  return {
    next() {
      const base = current;
      current = Math.min(current * 2, maxMs);
      return Math.round(base + base * jitter * random());
    },
    reset() {
      current = initialMs;
    },
  };
}
