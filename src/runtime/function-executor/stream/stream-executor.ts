// Stream mode: the script runs once per pool slot and answers framed messages on stdin/stdout for its whole life
// (script-process.ts). This file is the pool: it queues messages, sends each to the least loaded process with
// room in its pipeline, restarts processes that end (at once after a healthy one, else with a doubling delay),
// decides what becomes of the messages a dead process held, reports readiness and closes by draining.
//
// A process that ends with messages in flight: the one it was answering fails (timeout, crash, broken framing:
// retriable; PF_EXIT_PERMANENT: permanent), unless it exited with code 0, which blames no one. The others go to
// the next process, at most MAX_REQUEUES times each, then fail as retriable. Nothing is ever acknowledged here:
// every message ends in exactly one result.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Clock, systemClock, type Timer } from '../../../pulsar/index.ts';
import { STREAM_HELPER_LIBRARY_PATH } from '../helper-library.ts';
import { checkScriptSetup } from '../setup.ts';
import {
  type RemoveDirectory,
  removeDirectoryTree,
  removeTemporaryDirectory,
} from '../temporary-directory.ts';
import {
  FailureCode,
  type FunctionExecutor,
  type Invocation,
  type InvocationResult,
  Outcome,
} from '../types.ts';
import { lengthPrefixedFrame, linesFrame } from './message-frames.ts';
import {
  type NormalizedStreamOptions,
  normalizeStreamOptions,
  StreamCodec,
  type StreamExecutorOptions,
} from './options.ts';
import { Pending, type Problem } from './pending.ts';
import { type ExitReport, ScriptProcess } from './script-process.ts';

/** How often a message may be sent again because the process it was in died under another message. */
export const MAX_REQUEUES = 3;

interface Slot {
  readonly index: number;
  process: ScriptProcess | undefined;
  exited: Promise<void>;
  restartTimer: Timer | undefined;
  /** Exits in a row of processes that never answered: the exponent of the restart delay. */
  unhealthyExits: number;
}

/** Validates the options (and that the script, bash and the helper library are there), then starts the processes. */
export function createStreamExecutor(
  options: StreamExecutorOptions & { readonly clock?: Clock; readonly removeDirectory?: RemoveDirectory },
): StreamExecutor {
  const { normalized, shared } = normalizeStreamOptions(options, {
    helperLibraryPath: STREAM_HELPER_LIBRARY_PATH,
    tmpRoot: tmpdir(),
    parentEnv: process.env,
  });
  const { scriptPath, env, bash } = checkScriptSetup(normalized, shared);
  // The helper library writes control records on stdout, framed, in order with the replies (PF_CONTROL_FD=1).
  env.PF_CONTROL_FD = '1';
  env.PF_MODE = 'stream';
  env.PF_STREAM_CODEC = normalized.codec;
  // pf_reply trims its stdin as exec mode trims stdout.
  env.PF_TRIM_TRAILING_NEWLINE = String(normalized.trimTrailingNewline);
  const executor = new StreamExecutor(
    { ...normalized, scriptPath, cwd: normalized.cwd ?? path.dirname(scriptPath) },
    env,
    bash,
    options.clock ?? systemClock,
    options.removeDirectory ?? removeDirectoryTree,
  );
  executor.start();
  return executor;
}

export class StreamExecutor implements FunctionExecutor {
  readonly #o: NormalizedStreamOptions & { readonly cwd: string };
  readonly #env: Readonly<Record<string, string>>;
  readonly #bash: string;
  readonly #clock: Clock;
  readonly #removeDirectory: RemoveDirectory;
  readonly #slots: Slot[];
  readonly #frame: (invocation: Invocation) => ReturnType<typeof linesFrame>;
  #queue: Pending[] = [];
  #unsettled = 0;
  #idleWaiters: (() => void)[] = [];
  /** close() was called: no new messages. */
  #closing: Promise<void> | undefined;
  /** Drained: no restarts, nothing sent again. */
  #stopping = false;
  #ready = false;
  #restarts = 0;

  /** Use createStreamExecutor, which validates. */
  constructor(
    options: NormalizedStreamOptions & { readonly cwd: string },
    env: Readonly<Record<string, string>>,
    bash: string,
    clock: Clock,
    removeDirectory: RemoveDirectory = removeDirectoryTree,
  ) {
    this.#o = options;
    this.#removeDirectory = removeDirectory;
    this.#env = env;
    this.#bash = bash;
    this.#clock = clock;
    this.#slots = Array.from({ length: options.processes }, (_, index) => ({
      index,
      process: undefined,
      exited: Promise.resolve(),
      restartTimer: undefined,
      unhealthyExits: 0,
    }));
    this.#frame =
      options.codec === StreamCodec.Lines
        ? (invocation) => linesFrame(invocation.payload)
        : (invocation) => lengthPrefixedFrame(invocation);
  }

  /** Starts every slot's process (createStreamExecutor does). */
  start(): void {
    for (const slot of this.#slots) if (slot.process === undefined) this.#spawn(slot);
  }

  /** At least one process is up and taking messages. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Processes started after the first ones (the status document's numRestarts), counted when the restart is
   * decided: a slot waiting out its restart delay counts already.
   */
  get restarts(): number {
    return this.#restarts;
  }

  /** The live processes' ids, by slot (undefined: the slot has none now). */
  get pids(): readonly (number | undefined)[] {
    return this.#slots.map((slot) => (slot.process?.alive ? slot.process.pid : undefined));
  }

  run(invocation: Invocation, signal?: AbortSignal): Promise<InvocationResult> {
    return new Promise((resolve) => {
      const pending = new Pending(invocation, signal, [], resolve);
      if (signal?.aborted) return pending.abort('aborted before the message was sent to the script');
      if (this.#closing !== undefined) return pending.abort('the executor is closing');
      const frame = this.#frame(invocation);
      if ('problem' in frame) {
        return pending.fail(Outcome.PermanentFailure, {
          code: FailureCode.PayloadNotPassable,
          reason: frame.problem,
        });
      }
      const queued = new Pending(invocation, signal, frame.parts, (result) => {
        this.#unsettled--;
        resolve(result);
        if (this.#unsettled === 0) this.#wakeIdle();
      });
      this.#unsettled++;
      queued.watchAbort(() => this.#onAbort(queued));
      this.#queue.push(queued);
      this.#dispatch();
    });
  }

  /** Finishes what is queued and in flight, then closes each process's stdin, waits, and kills what remains. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#whenIdle();
    this.#stopping = true;
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots) {
      slot.restartTimer?.cancel();
      slot.restartTimer = undefined;
      const running = slot.process;
      if (running === undefined || !running.alive) continue;
      running.closeInput();
      exits.push(
        this.#within(this.#o.killGraceMs, slot.exited).then(async (exited) => {
          if (exited) return;
          running.forceKill();
          await slot.exited;
        }),
      );
    }
    this.#updateReady();
    await Promise.all(exits);
  }

  #spawn(slot: Slot): void {
    slot.restartTimer = undefined;
    let tmp: string | undefined;
    let resolveExited: () => void = () => {};
    slot.exited = new Promise((resolve) => {
      resolveExited = resolve;
    });
    try {
      const env = { ...this.#env };
      if (this.#o.tmpRoot !== null) {
        tmp = mkdtempSync(path.join(this.#o.tmpRoot, 'pf-bash-'));
        env.TMPDIR = tmp;
      }
      const started = new ScriptProcess({
        bash: this.#bash,
        env,
        cwd: this.#o.cwd,
        options: this.#o,
        clock: this.#clock,
        onExit: (report) => {
          if (tmp !== undefined) this.#removeTmp(slot, tmp);
          if (slot.process === started) slot.process = undefined;
          this.#onExit(slot, started, report);
          resolveExited();
        },
        onAnswered: () => this.#dispatch(),
      });
      // onExit may already have run (a spawn error is reported asynchronously, but be safe).
      if (started.alive) slot.process = started;
      this.#emit({ kind: 'started', slot: slot.index, pid: started.pid });
    } catch (error) {
      if (tmp !== undefined) this.#removeTmp(slot, tmp);
      resolveExited();
      this.#afterExit(slot, false, `the script could not be started: ${(error as Error).message}`, true);
      return;
    }
    this.#updateReady();
    this.#dispatch();
  }

  /** Never throws: this runs in a process's exit handler, where a throw would crash the instance. */
  #removeTmp(slot: Slot, dir: string): void {
    const error = removeTemporaryDirectory(dir, this.#removeDirectory);
    if (error !== undefined) this.#emit({ kind: 'tmp-left', slot: slot.index, dir, error: error.message });
  }

  #onExit(slot: Slot, ended: ScriptProcess, report: ExitReport): void {
    const blame = this.#blame(report);
    const again: Pending[] = [];
    for (const [i, pending] of report.inFlight.entries()) {
      if (pending.aborted) {
        pending.abort("the run was aborted; the script's process group was killed");
      } else if (i === 0 && blame !== undefined) {
        pending.fail(blame.outcome, blame.problem, {
          exitCode: report.exitCode,
          signal: report.signal,
          timedOut: report.fault?.timedOut ?? false,
          stderrTail: report.stderrTail,
        });
      } else if (this.#stopping || pending.requeues >= MAX_REQUEUES) {
        pending.fail(
          Outcome.Failure,
          {
            code: exitCode(report),
            reason: `the script process ended ${pending.requeues + 1} times while this message was in flight (${describeExit(report)})`,
          },
          { exitCode: report.exitCode, signal: report.signal, stderrTail: report.stderrTail },
        );
      } else {
        pending.requeues++;
        again.push(pending);
      }
    }
    this.#queue.unshift(...again);

    let restartInMs: number | undefined;
    if (!this.#stopping) {
      const healthy =
        report.answered > 0 || this.#clock.now() - ended.startedAt >= this.#o.restartBackoffMaxMs;
      restartInMs = this.#restartDelay(slot, healthy);
    }
    this.#emit({
      kind: 'exited',
      slot: slot.index,
      pid: ended.pid,
      exitCode: report.exitCode,
      signal: report.signal,
      reason: report.fault?.reason,
      answered: report.answered,
      inFlight: report.inFlight.length,
      restartInMs,
      stderrTail: report.stderrTail,
    });
    if (restartInMs !== undefined) this.#scheduleRestart(slot, restartInMs);
    if (report.spawnFailed) this.#failQueuedIfNoProcess(`bash could not be started (${this.#bash})`);
    this.#updateReady();
    this.#dispatch();
  }

  /** A start that failed before any process existed: restart later, like an unhealthy exit. */
  #afterExit(slot: Slot, healthy: boolean, reason: string, spawnFailed: boolean): void {
    const restartInMs = this.#stopping ? undefined : this.#restartDelay(slot, healthy);
    this.#emit({
      kind: 'exited',
      slot: slot.index,
      pid: undefined,
      exitCode: undefined,
      signal: undefined,
      reason,
      answered: 0,
      inFlight: 0,
      restartInMs,
      stderrTail: '',
    });
    if (restartInMs !== undefined) this.#scheduleRestart(slot, restartInMs);
    if (spawnFailed) this.#failQueuedIfNoProcess(reason);
    this.#updateReady();
  }

  /** 0 after a healthy process (it answered, or lived as long as the longest delay); else doubling, capped. */
  #restartDelay(slot: Slot, healthy: boolean): number {
    if (healthy) {
      slot.unhealthyExits = 0;
      return 0;
    }
    const delay = Math.min(this.#o.restartBackoffMs * 2 ** slot.unhealthyExits, this.#o.restartBackoffMaxMs);
    slot.unhealthyExits++;
    return delay;
  }

  #scheduleRestart(slot: Slot, delayMs: number): void {
    this.#restarts++;
    if (delayMs === 0) {
      this.#spawn(slot);
      return;
    }
    slot.restartTimer = this.#clock.setTimeout(() => {
      if (!this.#stopping) this.#spawn(slot);
    }, delayMs);
  }

  /** Who answers for the message being answered when its process ended; undefined: nobody (exit 0, abort). */
  #blame(report: ExitReport): { outcome: Outcome; problem: Problem } | undefined {
    const { fault } = report;
    if (fault !== undefined) {
      return fault.code === FailureCode.Aborted ? undefined : { outcome: Outcome.Failure, problem: fault };
    }
    if (report.spawnFailed) {
      return {
        outcome: Outcome.Failure,
        problem: { code: FailureCode.SpawnFailed, reason: `could not run ${this.#bash}` },
      };
    }
    if (report.signal !== undefined) {
      return {
        outcome: Outcome.Failure,
        problem: {
          code: FailureCode.Signal,
          reason: `the script was killed by ${report.signal} while answering this message`,
        },
      };
    }
    if (report.exitCode === this.#o.permanentExitCode) {
      return {
        outcome: Outcome.PermanentFailure,
        problem: {
          code: FailureCode.PermanentExitCode,
          reason: `the script exited with ${report.exitCode} (PF_EXIT_PERMANENT) while answering this message: permanent failure`,
        },
      };
    }
    if (report.exitCode !== 0) {
      return {
        outcome: Outcome.Failure,
        problem: {
          code: FailureCode.ExitCode,
          reason: `the script exited with code ${report.exitCode} while answering this message`,
        },
      };
    }
    return undefined;
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const target = this.#leastLoaded();
      if (target === undefined) return;
      target.send(this.#queue.shift()!);
    }
  }

  #leastLoaded(): ScriptProcess | undefined {
    let best: ScriptProcess | undefined;
    for (const slot of this.#slots) {
      const candidate = slot.process;
      if (candidate === undefined || !candidate.accepting || candidate.load >= this.#o.pipeline) continue;
      if (best === undefined || candidate.load < best.load) best = candidate;
    }
    return best;
  }

  #onAbort(pending: Pending): void {
    const at = this.#queue.indexOf(pending);
    if (at !== -1) {
      this.#queue.splice(at, 1);
      pending.abort('aborted before the message was sent to the script');
      return;
    }
    // In flight: a message cannot be taken back from a running script, so its process goes.
    for (const slot of this.#slots) {
      if (slot.process?.holds(pending)) {
        slot.process.kill({ code: FailureCode.Aborted, reason: 'aborted' });
      }
    }
  }

  #failQueuedIfNoProcess(reason: string): void {
    if (this.#slots.some((slot) => slot.process?.alive)) return;
    const queued = this.#queue.splice(0);
    for (const pending of queued) {
      pending.fail(Outcome.Failure, { code: FailureCode.SpawnFailed, reason });
    }
  }

  #updateReady(): void {
    const ready = !this.#stopping && this.#slots.some((slot) => slot.process?.accepting === true);
    if (ready === this.#ready) return;
    this.#ready = ready;
    // Closing is not an outage: nobody needs telling.
    if (this.#stopping) return;
    try {
      this.#o.onReadyChange?.(ready);
    } catch {
      // A failing listener must not break the pool.
    }
  }

  #emit(event: Parameters<NonNullable<NormalizedStreamOptions['onEvent']>>[0]): void {
    try {
      this.#o.onEvent?.(event);
    } catch {
      // A failing listener must not break the pool.
    }
  }

  #whenIdle(): Promise<void> {
    if (this.#unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** true when `promise` settles within `ms` (on the executor's clock). */
  async #within(ms: number, promise: Promise<void>): Promise<boolean> {
    let timer: Timer | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([promise.then(() => true), expired]);
    } finally {
      timer?.cancel();
    }
  }
}

function exitCode(report: ExitReport): FailureCode {
  if (report.fault !== undefined) return report.fault.code;
  return report.signal !== undefined ? FailureCode.Signal : FailureCode.ExitCode;
}

function describeExit(report: ExitReport): string {
  if (report.fault !== undefined) return report.fault.reason;
  if (report.signal !== undefined) return `killed by ${report.signal}`;
  return `exit code ${report.exitCode}`;
}
