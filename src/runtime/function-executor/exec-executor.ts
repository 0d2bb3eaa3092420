// Exec mode: one bash process per message. The instance does not fork it itself: a small launcher bash per pool
// slot does (launcher.ts, scripts/lib/pf-launcher.sh), with no shell evaluation in between. The payload goes to
// stdin, stdout becomes the output, fd 3 carries the helper library's records, stderr goes to the log. The
// script leads its own process group, so a timeout, an abort or a broken limit kills everything it started.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { BoundedBuffer } from './bounded-buffer.ts';
import { ControlProtocolError, ControlRecordReader } from './control-reader.ts';
import { ControlRecords } from './control-records.ts';
import { invocationEnv } from './environment.ts';
import { HELPER_LIBRARY_PATH } from './helper-library.ts';
import { LauncherPool } from './launcher-pool.ts';
import { type ExecExecutorOptions, type NormalizedExecOptions, normalizeExecOptions } from './options.ts';
import { payloadArgument } from './payload-argument.ts';
import { ProcessGroups } from './process-group.ts';
import { runProcess } from './run-process.ts';
import { checkScriptSetup } from './setup.ts';
import { StderrLines } from './stderr-lines.ts';
import { TemporaryDirectories } from './temporary-directory.ts';
import {
  FailureCode,
  type FunctionExecutor,
  type Invocation,
  type InvocationResult,
  Outcome,
  type OutputMessage,
} from './types.ts';

/** Validates the options (and that the script, bash, mkfifo, rm and the helper library are there) once. */
export function createExecExecutor(options: ExecExecutorOptions): ExecExecutor {
  const normalized = normalizeExecOptions(options, {
    helperLibraryPath: HELPER_LIBRARY_PATH,
    tmpRoot: tmpdir(),
    parentEnv: process.env,
  });
  const {
    scriptPath,
    env: baseEnv,
    bash,
    launcherTools,
  } = checkScriptSetup(normalized, normalized, {
    launcher: true,
  });
  const cwd = normalized.cwd ?? path.dirname(scriptPath);
  const launchers = new LauncherPool({
    bash,
    ...launcherTools!,
    cwd,
    dirRoot: fifoRoot(normalized.tmpRoot ?? tmpdir()),
    baseEnv,
  });
  return new ExecExecutor({ ...normalized, scriptPath, cwd }, bash, launchers);
}

/**
 * Where the launchers keep their runs' FIFOs: /dev/shm when it is there (Linux, and every container), since
 * a FIFO is only an inode and making one on ext4 cost about 1 ms here (four per message); else `fallback`.
 */
function fifoRoot(fallback: string): string {
  try {
    accessSync(SHARED_MEMORY, fsConstants.W_OK | fsConstants.X_OK);
    if (statSync(SHARED_MEMORY).isDirectory()) return SHARED_MEMORY;
  } catch {
    // Not there or not writable: the temporary directory works too, slower on some file systems.
  }
  return fallback;
}

const SHARED_MEMORY = '/dev/shm';

export class ExecExecutor implements FunctionExecutor {
  readonly #options: NormalizedExecOptions;
  readonly #bash: string;
  readonly #launchers: LauncherPool;
  readonly #tmp: TemporaryDirectories | undefined;
  readonly #groups = new ProcessGroups();

  /** Use createExecExecutor, which validates. */
  constructor(options: NormalizedExecOptions, bash: string, launchers: LauncherPool) {
    this.#options = options;
    this.#bash = bash;
    this.#launchers = launchers;
    this.#tmp = options.tmpRoot === null ? undefined : new TemporaryDirectories(options.tmpRoot);
  }

  /** Ends the launchers (each once its run is over) and removes the TMPDIRs kept for later runs. */
  async close(): Promise<void> {
    await this.#launchers.close();
    this.#tmp?.clear();
  }

  async run(invocation: Invocation, signal?: AbortSignal): Promise<InvocationResult> {
    const started = performance.now();
    try {
      return await this.#run(invocation, signal, started);
    } catch (error) {
      return failed(
        started,
        Outcome.Failure,
        FailureCode.SpawnFailed,
        `the runtime failed around the script: ${message(error)}`,
      );
    }
  }

  async #run(
    invocation: Invocation,
    signal: AbortSignal | undefined,
    started: number,
  ): Promise<InvocationResult> {
    if (signal?.aborted) {
      return {
        ...failed(started, Outcome.Failure, FailureCode.Aborted, 'aborted before the script started'),
        aborted: true,
      };
    }
    // Only the message's variables: the launchers hold the base environment.
    const prepared = invocationEnv({}, invocation);
    if ('problem' in prepared) {
      return failed(started, Outcome.PermanentFailure, FailureCode.MetadataNotPassable, prepared.problem);
    }
    const args = [this.#bash, this.#options.scriptPath];
    if (this.#options.payloadAsArgument) {
      const argument = payloadArgument(invocation.payload);
      if ('problem' in argument) {
        return failed(
          started,
          Outcome.PermanentFailure,
          FailureCode.PayloadNotPassable,
          `payloadAsArgument: ${argument.problem}`,
        );
      }
      args.push(argument.argument);
    }
    // Synchronous: a few metadata syscalls on a local directory cost less than a trip through the thread pool.
    const tmp = this.#tmp?.take();
    if (tmp !== undefined) prepared.env.TMPDIR = tmp;
    const end = { abandoned: true };
    try {
      return await this.#spawn(invocation, args, prepared.env, signal, started, end);
    } finally {
      // The process group is dead by now (killed when bash exited), so only what escaped it could write here.
      // Left for the system's temporary-directory cleaning when removal fails; the run's result stands.
      if (tmp !== undefined) this.#tmp?.give(tmp, !end.abandoned);
    }
  }

  async #spawn(
    invocation: Invocation,
    args: readonly string[],
    env: Record<string, string>,
    signal: AbortSignal | undefined,
    started: number,
    end: { abandoned: boolean },
  ): Promise<InvocationResult> {
    const o = this.#options;
    // One byte of slack when trimming: a full-size output followed by its newline is still allowed.
    const stdout = new BoundedBuffer(o.maxOutputBytes + (o.trimTrailingNewline ? 1 : 0));
    const onStderrLine = o.onStderrLine;
    const stderr = new StderrLines({
      tailLines: o.stderrTailLines,
      tailBytes: o.stderrTailBytes,
      maxLineBytes: o.maxStderrLineBytes,
      maxForwarded: o.maxStderrLinesForwarded,
      onLine: onStderrLine === undefined ? undefined : (line) => onStderrLine(line, invocation),
    });
    const reader = new ControlRecordReader(o.maxOutputBytes);
    const records = new ControlRecords();
    let controlBytes = 0;
    let recordIndex = 0;
    // Set when the runtime itself ends the run early: a broken limit or a malformed control record.
    let stopped: { code: FailureCode; reason: string } | undefined;

    const run = runProcess({
      launchers: this.#launchers,
      argv: args,
      env,
      input: invocation.payload,
      timeoutMs: o.timeoutMs,
      killGraceMs: o.killGraceMs,
      signal,
      groups: this.#groups,
      onStdout: (chunk) => {
        if (!stdout.push(chunk)) {
          stop(
            FailureCode.OutputTooLarge,
            `stdout exceeded maxOutputBytes (${o.maxOutputBytes} bytes); the script was killed`,
          );
        }
      },
      onStderr: (chunk) => stderr.push(chunk),
      onControl: (chunk) => {
        if (stopped !== undefined) return;
        controlBytes += chunk.byteLength;
        if (controlBytes > o.maxControlBytes) {
          stop(
            FailureCode.ControlTooLarge,
            `the control channel (fd 3) carried more than maxControlBytes (${o.maxControlBytes} bytes); the script was killed`,
          );
          return;
        }
        try {
          for (const fields of reader.push(chunk)) {
            recordIndex++;
            const log = records.apply(fields, recordIndex);
            if (log !== undefined && o.onLog !== undefined) {
              try {
                o.onLog(log.level, log.message, invocation);
              } catch {
                // A failing log sink must not fail the message.
              }
            }
          }
        } catch (error) {
          if (!(error instanceof ControlProtocolError)) throw error;
          stop(FailureCode.ControlMalformed, `malformed control channel (fd 3): ${error.message}`);
        }
      },
    });
    const stop = (code: FailureCode, reason: string) => {
      if (stopped !== undefined) return;
      stopped = { code, reason };
      run.kill();
    };

    const result = await run.ended;
    end.abandoned = result.abandoned;
    stderr.end();
    const common = {
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      aborted: result.aborted,
      stderrTail: stderr.tail(),
    };
    const fail = (outcome: Outcome, code: FailureCode, reason: string): InvocationResult => ({
      ...failed(started, outcome, code, reason),
      ...common,
    });

    if (result.timedOut) {
      return fail(
        Outcome.Failure,
        FailureCode.Timeout,
        `the script ran longer than ${o.timeoutMs} ms; its process group was killed`,
      );
    }
    if (result.aborted) {
      return fail(
        Outcome.Failure,
        FailureCode.Aborted,
        "the run was aborted; the script's process group was killed",
      );
    }
    if (stopped !== undefined) return fail(Outcome.Failure, stopped.code, stopped.reason);
    if (result.error?.code === 'E2BIG') {
      return fail(Outcome.PermanentFailure, FailureCode.MetadataNotPassable, result.error.message);
    }
    if (result.error !== undefined || (result.exitCode === undefined && result.signal === undefined)) {
      return fail(
        Outcome.Failure,
        FailureCode.SpawnFailed,
        `could not run ${this.#bash}: ${result.error?.message ?? 'no exit status'}`,
      );
    }
    if (result.signal !== undefined) {
      return fail(
        Outcome.Failure,
        FailureCode.Signal,
        `the script was killed by ${result.signal} (exit status ${128 + signalNumber(result.signal)})`,
      );
    }
    if (result.exitCode === o.permanentExitCode) {
      return fail(
        Outcome.PermanentFailure,
        FailureCode.PermanentExitCode,
        `the script exited with ${result.exitCode} (PF_EXIT_PERMANENT): permanent failure`,
      );
    }
    if (result.exitCode !== 0) {
      return fail(Outcome.Failure, FailureCode.ExitCode, `the script exited with code ${result.exitCode}`);
    }
    try {
      reader.end();
    } catch (error) {
      if (!(error instanceof ControlProtocolError)) throw error;
      return fail(
        Outcome.Failure,
        FailureCode.ControlMalformed,
        `malformed control channel (fd 3): ${error.message}`,
      );
    }
    let payload = stdout.bytes();
    if (o.trimTrailingNewline && payload.byteLength > 0 && payload[payload.byteLength - 1] === 0x0a) {
      payload = payload.subarray(0, payload.byteLength - 1);
    }
    if (payload.byteLength > o.maxOutputBytes) {
      return fail(
        Outcome.Failure,
        FailureCode.OutputTooLarge,
        `stdout exceeded maxOutputBytes (${o.maxOutputBytes} bytes)`,
      );
    }
    const output: OutputMessage | undefined = records.output(
      payload,
      invocation,
      o.forwardSourceMessageProperty,
    );
    return {
      outcome: Outcome.Success,
      ...common,
      durationMs: performance.now() - started,
      output,
      extraMessages: records.extraMessages(),
    };
  }
}

function failed(
  started: number,
  outcome: Outcome,
  failureCode: FailureCode,
  reason: string,
): InvocationResult {
  return {
    outcome,
    exitCode: undefined,
    signal: undefined,
    timedOut: false,
    aborted: false,
    durationMs: performance.now() - started,
    output: undefined,
    extraMessages: [],
    stderrTail: '',
    failureCode,
    reason,
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
