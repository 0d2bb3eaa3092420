// One long-lived `bash <script>` of stream mode: writes framed messages on its stdin, matches the replies on its
// stdout to them in order, forwards stderr, times out the message it is answering. It leads its own process
// group, so a kill reaches everything it started. It never restarts itself: when it ends it reports the messages
// still in flight, and the executor decides what becomes of them and of the slot.

import type { Buffer } from 'node:buffer';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Clock, Timer } from '../../../pulsar/index.ts';
import { ControlProtocolError, ControlRecordReader } from '../control-reader.ts';
import { ControlRecords } from '../control-records.ts';
import { signalProcessGroup } from '../process-group.ts';
import { StderrLines } from '../stderr-lines.ts';
import { FailureCode, type Invocation, Outcome, type ScriptLogLevel } from '../types.ts';
import type { NormalizedStreamOptions } from './options.ts';
import type { Pending, Problem } from './pending.ts';
import { type ReplyEvent, ReplyReader, ReplyStatus, StreamProtocolError } from './reply-reader.ts';

/** Why the runtime ended a process; undefined in an exit report when the script exited by itself. */
export interface Fault extends Problem {
  readonly timedOut?: boolean;
}

export interface ExitReport {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly fault: Fault | undefined;
  /** The messages sent and not answered, oldest (the one being answered) first. */
  readonly inFlight: Pending[];
  readonly answered: number;
  readonly stderrTail: string;
  /** bash never ran (spawn error). */
  readonly spawnFailed: boolean;
}

const ProcessState = { Running: 'running', Dying: 'dying', Exited: 'exited' } as const;
type ProcessState = (typeof ProcessState)[keyof typeof ProcessState];

/** Reasons are one line; a script's `fail` reason longer than this is cut. */
const MAX_REASON_BYTES = 1024;
const utf8 = new TextDecoder('utf-8');

export interface ScriptProcessSpec {
  readonly bash: string;
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly options: NormalizedStreamOptions;
  readonly clock: Clock;
  readonly onExit: (report: ExitReport) => void;
  /** A reply came: the pipeline has room again. */
  readonly onAnswered: () => void;
}

export class ScriptProcess {
  readonly #spec: ScriptProcessSpec;
  readonly #o: NormalizedStreamOptions;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #reader: ReplyReader;
  readonly #stderr: StderrLines;
  readonly #inFlight: Pending[] = [];
  readonly startedAt: number;
  #state: ProcessState = ProcessState.Running;
  #inputClosed = false;
  #corked = false;
  #answered = 0;
  #fault: Fault | undefined;
  #headTimer: Timer | undefined;
  #killTimer: Timer | undefined;
  #closeTimer: Timer | undefined;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #spawnFailed = false;

  constructor(spec: ScriptProcessSpec) {
    this.#spec = spec;
    this.#o = spec.options;
    this.startedAt = spec.clock.now();
    this.#reader = new ReplyReader(this.#o.codec, {
      maxOutputBytes: this.#o.maxOutputBytes,
      maxControlBytes: this.#o.maxControlBytes,
      maxReasonBytes: MAX_REASON_BYTES,
    });
    const onStderrLine = this.#o.onStderrLine;
    this.#stderr = new StderrLines({
      tailLines: this.#o.stderrTailLines,
      tailBytes: this.#o.stderrTailBytes,
      maxLineBytes: this.#o.maxStderrLineBytes,
      // A long-lived process has no per-run budget; the log sink bounds what it keeps.
      maxForwarded: Number.MAX_SAFE_INTEGER,
      onLine: onStderrLine === undefined ? undefined : (line) => onStderrLine(line, this.#head()?.invocation),
    });
    // detached: bash leads a new process group, so signalling -pid reaches whatever it started.
    this.#child = spawn(spec.bash, [this.#o.scriptPath], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const child = this.#child;
    child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    // EPIPE once the script is gone: its in-flight messages are handled when it is reaped.
    child.stdin.on('error', () => {});
    child.on('error', () => {
      if (child.pid !== undefined) return; // an error of a running child: its exit comes next
      this.#spawnFailed = true;
      this.#finish();
    });
    child.once('exit', (code, signal) => {
      // From now on nothing is sent to it (see accepting); replies it wrote before still count.
      this.#exit = { code, signal };
      // Whatever the script left running in its group goes with it; its pipes then close.
      if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
      // A grandchild that moved to another group (setsid) could hold the pipes open: do not wait for it
      // forever, and let go of our ends, or their handles (and whatever it writes) stay with the instance.
      this.#closeTimer = spec.clock.setTimeout(() => {
        this.#finish();
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream.destroy();
      }, this.#o.killGraceMs);
    });
    child.once('close', () => this.#finish());
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Running and taking messages: not dying, not known to have exited, input not closed. */
  get accepting(): boolean {
    return this.#state === ProcessState.Running && this.#exit === undefined && !this.#inputClosed;
  }

  get alive(): boolean {
    return this.#state !== ProcessState.Exited;
  }

  get load(): number {
    return this.#inFlight.length;
  }

  get answered(): number {
    return this.#answered;
  }

  holds(pending: Pending): boolean {
    return this.#inFlight.includes(pending);
  }

  /** Writes one message. Writes made in the same tick leave in one system call. */
  send(pending: Pending): void {
    pending.resetAttempt();
    this.#inFlight.push(pending);
    if (this.#inFlight.length === 1) this.#armHeadTimer();
    const stdin = this.#child.stdin;
    if (!this.#corked) {
      this.#corked = true;
      stdin.cork();
      process.nextTick(() => {
        this.#corked = false;
        stdin.uncork();
      });
    }
    // Writes beyond the pipe's buffer wait in memory: at most `pipeline` messages per process.
    for (const part of pending.frame) stdin.write(part);
  }

  /** End of input: a stream script ends its read loop and exits. */
  closeInput(): void {
    if (this.#inputClosed) return;
    this.#inputClosed = true;
    this.#child.stdin.end();
  }

  /** Ends the process (TERM to its group, KILL after the grace period) for `fault`; the first fault stays. */
  kill(fault: Fault): void {
    if (this.#state !== ProcessState.Running) return;
    this.#state = ProcessState.Dying;
    this.#fault = fault;
    this.#headTimer?.cancel();
    this.#signal('SIGTERM');
    this.#killTimer = this.#spec.clock.setTimeout(() => this.#signal('SIGKILL'), this.#o.killGraceMs);
  }

  /** SIGKILL to the group now (closing: the script did not end after its input did). */
  forceKill(): void {
    this.#signal('SIGKILL');
  }

  /** The in-flight message whose reply comes next. */
  #head(): Pending | undefined {
    return this.#inFlight[0];
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid !== undefined && this.#state !== ProcessState.Exited) signalProcessGroup(pid, signal);
  }

  #armHeadTimer(): void {
    this.#headTimer?.cancel();
    this.#headTimer = undefined;
    if (this.#o.timeoutMs === 0 || this.#inFlight.length === 0) return;
    this.#headTimer = this.#spec.clock.setTimeout(() => {
      this.kill({
        code: FailureCode.Timeout,
        reason: `the script did not answer within ${this.#o.timeoutMs} ms; its process group was killed`,
        timedOut: true,
      });
    }, this.#o.timeoutMs);
  }

  #onStdout(chunk: Buffer): void {
    // Once dying, nothing it says can be trusted to match a message.
    if (this.#state !== ProcessState.Running) return;
    let events: ReplyEvent[];
    try {
      events = this.#reader.push(chunk);
    } catch (error) {
      if (!(error instanceof StreamProtocolError)) throw error;
      this.#protocolFault(error.message);
      return;
    }
    let answered = false;
    for (const event of events) {
      if (this.#state !== ProcessState.Running) break;
      if (event.kind === 'control') {
        this.#onControl(event.data);
      } else {
        this.#onReply(event);
        answered = true;
      }
    }
    if (answered && this.#state === ProcessState.Running) this.#spec.onAnswered();
  }

  #protocolFault(message: string): void {
    this.kill({
      code: FailureCode.StreamProtocol,
      reason: `the script broke the stream framing: ${message}`,
    });
  }

  #onControl(data: Uint8Array): void {
    const head = this.#head();
    const reader = new ControlRecordReader(this.#o.maxOutputBytes);
    let fields: Uint8Array[][];
    try {
      fields = reader.push(data);
      reader.end();
    } catch (error) {
      if (!(error instanceof ControlProtocolError)) throw error;
      if (head === undefined) this.#protocolFault(`malformed control frame: ${error.message}`);
      else
        head.noteProblem({
          code: FailureCode.ControlMalformed,
          reason: `malformed control frame: ${error.message}`,
        });
      return;
    }
    if (head !== undefined) {
      head.controlBytes += data.byteLength;
      if (head.controlBytes > this.#o.maxControlBytes) {
        head.noteProblem(controlTooLarge(this.#o.maxControlBytes));
        return;
      }
    }
    for (const record of fields) {
      if (head === undefined) {
        // Only a log can come before any message: the script's start-up lines.
        if (!this.#logOutsideMessage(record)) {
          this.#protocolFault('a control record other than a log while no message was in flight');
          return;
        }
        continue;
      }
      try {
        const log = head.recordsOrNew().apply(record, ++head.recordCount);
        if (log !== undefined) this.#forwardLog(log.level, log.message, head.invocation);
      } catch (error) {
        if (!(error instanceof ControlProtocolError)) throw error;
        head.noteProblem({ code: FailureCode.ControlMalformed, reason: `control record: ${error.message}` });
        return;
      }
    }
  }

  #logOutsideMessage(record: Uint8Array[]): boolean {
    try {
      // A throwaway set of records: anything but a log has no message to apply to.
      const log = new ControlRecords().apply(record, 0);
      if (log === undefined) return false;
      this.#forwardLog(log.level, log.message, undefined);
      return true;
    } catch {
      return false;
    }
  }

  #forwardLog(level: ScriptLogLevel, message: string, invocation: Invocation | undefined): void {
    try {
      this.#o.onLog?.(level, message, invocation);
    } catch {
      // A failing log sink must not fail the message.
    }
  }

  #onReply(event: Exclude<ReplyEvent, { kind: 'control' }>): void {
    const head = this.#inFlight.shift();
    if (head === undefined) {
      this.#protocolFault('a reply while no message was in flight');
      return;
    }
    this.#answered++;
    this.#armHeadTimer();
    if (event.kind === 'too-large') {
      const problem: Problem =
        event.frame === 'ctl'
          ? controlTooLarge(this.#o.maxControlBytes)
          : event.frame === ReplyStatus.Ok
            ? {
                code: FailureCode.OutputTooLarge,
                reason: `the reply of ${event.size} bytes exceeds maxOutputBytes (${this.#o.maxOutputBytes})`,
              }
            : { code: FailureCode.FailureReply, reason: 'the script answered fail' };
      head.fail(Outcome.Failure, problem, { stderrTail: this.#stderr.tail() });
      return;
    }
    if (event.status === ReplyStatus.Ok) {
      if (head.problem !== undefined) {
        head.fail(Outcome.Failure, head.problem, { stderrTail: this.#stderr.tail() });
      } else {
        head.succeed(event.data, this.#o.forwardSourceMessageProperty);
      }
      return;
    }
    const permanent = event.status === ReplyStatus.FailPermanent;
    const said = firstLine(event.data);
    head.fail(
      permanent ? Outcome.PermanentFailure : Outcome.Failure,
      {
        code: FailureCode.FailureReply,
        reason: `the script answered ${event.status}${said === '' ? '' : `: ${said}`}`,
      },
      { stderrTail: this.#stderr.tail() },
    );
  }

  #finish(): void {
    if (this.#state === ProcessState.Exited) return;
    this.#state = ProcessState.Exited;
    this.#headTimer?.cancel();
    this.#killTimer?.cancel();
    this.#closeTimer?.cancel();
    this.#stderr.end();
    let fault = this.#fault;
    if (fault === undefined && this.#exit !== undefined && !this.#reader.atBoundary && !this.#spawnFailed) {
      fault = { code: FailureCode.StreamProtocol, reason: 'the script ended in the middle of a reply' };
    }
    const inFlight = this.#inFlight.splice(0);
    this.#spec.onExit({
      exitCode: this.#exit?.code ?? undefined,
      signal: this.#exit?.signal ?? undefined,
      fault,
      inFlight,
      answered: this.#answered,
      stderrTail: this.#stderr.tail(),
      spawnFailed: this.#spawnFailed,
    });
  }
}

function controlTooLarge(limit: number): Problem {
  return {
    code: FailureCode.ControlTooLarge,
    reason: `the control records of one message exceeded maxControlBytes (${limit} bytes)`,
  };
}

/** The first line of a `fail` reason, as text. */
function firstLine(data: Uint8Array): string {
  const text = utf8.decode(data);
  const newline = text.indexOf('\n');
  return (newline === -1 ? text : text.slice(0, newline)).trim();
}
