// Stopping an instance without losing or repeating work: take no new messages, let the running ones finish
// within the drain timeout, kill what is still running after it (those messages stay unacknowledged, so the
// broker redelivers them), then close everything in order, each step bounded so a dead broker cannot hold the
// pod past its grace period. SIGTERM and SIGINT start it; a second signal cuts the drain short.
import type { Clock, Logger } from '../pulsar/index.ts';

export interface ShutdownPlan {
  /** Not ready any more, no new messages taken; resolves once the receive loop has stopped. */
  stopIntake(): Promise<void>;
  /** Resolves once no message is held. */
  whenIdle(): Promise<void>;
  /** Kills running scripts and ends retry waits. */
  abort(): void;
  /** Then these, in order (consumer before producers before client), each bounded by closeTimeoutMs. */
  readonly closers: readonly { readonly name: string; close(): Promise<void> }[];
}

export interface ShutdownOptions {
  readonly drainTimeoutMs: number;
  /** After abort(): how long killed scripts get to exit (the kill grace, plus a margin). */
  readonly abortWaitMs: number;
  readonly closeTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Resolves early to cut the drain short (a second signal). */
  readonly hurry?: Promise<void>;
}

export interface ShutdownReport {
  /** Everything in flight finished by itself. */
  readonly drained: boolean;
  /** Closers that did not finish in time. */
  readonly stuck: readonly string[];
}

export async function shutdown(plan: ShutdownPlan, options: ShutdownOptions): Promise<ShutdownReport> {
  const { clock, logger } = options;
  await plan.stopIntake();
  let hurried = false;
  const hurry = (options.hurry ?? new Promise<void>(() => {})).then(() => {
    hurried = true;
  });
  const settled = await within(clock, options.drainTimeoutMs, Promise.race([plan.whenIdle(), hurry]));
  const drained = settled && !hurried;
  if (!settled) {
    logger.warn(
      { drainTimeoutMs: options.drainTimeoutMs },
      'drain timeout: killing running scripts; their messages stay unacknowledged for redelivery',
    );
  }
  plan.abort();
  if (!(await within(clock, options.abortWaitMs, plan.whenIdle()))) {
    logger.error({}, 'killed scripts did not end in time; closing anyway');
  }
  const stuck: string[] = [];
  for (const closer of plan.closers) {
    const closed = await within(
      clock,
      options.closeTimeoutMs,
      closer
        .close()
        .catch((error: unknown) => logger.warn({ err: error }, `closing the ${closer.name} failed`)),
    );
    if (!closed) {
      logger.warn({ closeTimeoutMs: options.closeTimeoutMs }, `closing the ${closer.name} timed out`);
      stuck.push(closer.name);
    }
  }
  return { drained, stuck };
}

/** true when `promise` settles within `ms`. */
async function within(clock: Clock, ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: { cancel(): void } | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    timer?.cancel();
  }
}

/** The part of `process` signal handling needs (a fake in tests). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * Calls `onSignal` with the signal and how many have come so far (1: start the shutdown; 2 or more: hurry).
 * Returns a function that removes the handlers.
 */
export function onTerminationSignals(
  source: SignalSource,
  onSignal: (signal: 'SIGTERM' | 'SIGINT', count: number) => void,
): () => void {
  let count = 0;
  const listeners = (['SIGTERM', 'SIGINT'] as const).map((signal) => {
    const listener = () => onSignal(signal, ++count);
    source.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}
