// One message between run() and its result: queued, then in flight to one process, possibly sent again to the
// next process when the one it was in died under another message. Results are built here, in one shape.
import { ControlRecords } from '../control-records.ts';
import { FailureCode, type Invocation, type InvocationResult, Outcome } from '../types.ts';

export interface Problem {
  readonly code: FailureCode;
  readonly reason: string;
}

export class Pending {
  readonly invocation: Invocation;
  readonly signal: AbortSignal | undefined;
  readonly frame: readonly Uint8Array[];
  readonly started = performance.now();
  /** Processes that ended while this message was in flight but not being answered. */
  requeues = 0;
  /** The control records of the current attempt; undefined until the first one. */
  records: ControlRecords | undefined;
  controlBytes = 0;
  /** Control records applied in the current attempt (numbers them in error messages). */
  recordCount = 0;
  /** The first thing wrong with the control records of the current attempt: the reply then fails. */
  problem: Problem | undefined;
  #settle: (result: InvocationResult) => void;
  #settled = false;
  #onAbort: (() => void) | undefined;

  constructor(
    invocation: Invocation,
    signal: AbortSignal | undefined,
    frame: readonly Uint8Array[],
    settle: (result: InvocationResult) => void,
  ) {
    this.invocation = invocation;
    this.signal = signal;
    this.frame = frame;
    this.#settle = settle;
  }

  get settled(): boolean {
    return this.#settled;
  }

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Calls `onAbort` once if the caller's signal fires before the result. */
  watchAbort(onAbort: () => void): void {
    if (this.signal === undefined) return;
    this.#onAbort = onAbort;
    this.signal.addEventListener('abort', onAbort, { once: true });
  }

  /** Forgets what the current attempt's control records said (the message goes to another process). */
  resetAttempt(): void {
    this.records = undefined;
    this.controlBytes = 0;
    this.recordCount = 0;
    this.problem = undefined;
  }

  recordsOrNew(): ControlRecords {
    this.records ??= new ControlRecords();
    return this.records;
  }

  noteProblem(problem: Problem): void {
    this.problem ??= problem;
  }

  settle(result: InvocationResult): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#onAbort !== undefined) this.signal?.removeEventListener('abort', this.#onAbort);
    this.#settle(result);
  }

  succeed(payload: Uint8Array, forwardProperties: boolean): void {
    const records = this.records ?? NO_RECORDS;
    this.settle({
      outcome: Outcome.Success,
      exitCode: undefined,
      signal: undefined,
      timedOut: false,
      aborted: false,
      durationMs: performance.now() - this.started,
      output: records.output(payload, this.invocation, forwardProperties),
      extraMessages: records.extraMessages(),
      stderrTail: '',
    });
  }

  fail(
    outcome: Outcome,
    problem: Problem,
    extra: Partial<
      Pick<InvocationResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted' | 'stderrTail'>
    > = {},
  ): void {
    this.settle({
      outcome,
      exitCode: extra.exitCode,
      signal: extra.signal,
      timedOut: extra.timedOut ?? false,
      aborted: extra.aborted ?? false,
      durationMs: performance.now() - this.started,
      output: undefined,
      extraMessages: [],
      stderrTail: extra.stderrTail ?? '',
      failureCode: problem.code,
      reason: problem.reason,
    });
  }

  /** The caller's signal fired: the result says aborted, so the message is left for redelivery. */
  abort(reason: string): void {
    this.fail(Outcome.Failure, { code: FailureCode.Aborted, reason }, { aborted: true });
  }
}

// Never applied to: the output of a message whose script wrote no control record.
const NO_RECORDS = new ControlRecords();
