// A Clock whose time only moves when a test says so: timers fire in due order inside advance(), so tests of
// timeouts, keepalive and backoff run instantly and deterministically. Its wall clock (now) can be made to
// jump on its own, as NTP or an operator would, while its monotonic clock and timers go on undisturbed.
import type { Clock, Timer } from '../../src/pulsar/util/index.ts';

interface Scheduled {
  readonly id: number;
  at: number;
  readonly fn: () => void;
  /** Set for intervals: the period to reschedule with. */
  readonly every: number | undefined;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  #now: number;
  /** How far the wall clock was moved away from the monotonic one (jumpWallClock). */
  #wallOffset = 0;
  #nextId = 0;
  #timers: Scheduled[] = [];
  #keptAlive = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now + this.#wallOffset;
  }

  monotonicNow(): number {
    return this.#now;
  }

  /** Moves the wall clock only (now()), by `ms` (negative: back); timers and monotonicNow() are unaffected. */
  jumpWallClock(ms: number): void {
    this.#wallOffset += ms;
  }

  keepAlive(): Timer {
    this.#keptAlive++;
    let cancelled = false;
    return {
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        this.#keptAlive--;
      },
    };
  }

  /** Keep-alive holds taken and not yet released: how many things would keep a real process running. */
  get keptAlive(): number {
    return this.#keptAlive;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.#schedule(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Timer {
    // A zero period would loop forever inside advance(); real setInterval clamps to 1 ms too.
    return this.#schedule(fn, ms, Math.max(1, ms));
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order of due time (ties: creation
   * order). Timers created by a firing timer fire too when they fall due within the window.
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#earliestDue(end);
      if (next === undefined) break;
      this.#fire(next);
    }
    this.#now = end;
  }

  /**
   * Like advance(), but lets promise continuations run after each timer (and before the first), so async
   * code awaiting a timer can schedule its next timer inside the same window.
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#earliestDue(end);
      if (next === undefined) break;
      this.#fire(next);
      await settle();
    }
    this.#now = end;
    await settle();
  }

  #schedule(fn: () => void, ms: number, every: number | undefined): Timer {
    const timer: Scheduled = {
      id: this.#nextId++,
      at: this.#now + Math.max(0, ms),
      fn,
      every,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  #earliestDue(end: number): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.#timers) {
      if (t.cancelled || t.at > end) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }

  #fire(timer: Scheduled): void {
    this.#now = Math.max(this.#now, timer.at);
    if (timer.every === undefined) {
      timer.cancelled = true;
      this.#timers = this.#timers.filter((t) => t !== timer);
    } else {
      timer.at += timer.every;
    }
    timer.fn();
  }
}

/** Lets queued promise continuations (and I/O callbacks already due) run; not a sleep. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
