// The stream-mode executor's options: documented with their defaults, validated and normalised once. The
// options it shares with exec mode are checked by exec mode's own normaliser, so both modes accept the same.
import { StreamCodec } from '../../config/types.ts';
import { type ExecExecutorOptions, ExecutorOptionsError, normalizeExecOptions } from '../options.ts';
import type { Invocation, ScriptLogLevel } from '../types.ts';
import type { StreamProcessEvent } from './events.ts';

export { StreamCodec } from '../../config/types.ts';

/**
 * Exec mode's options that mean the same here (`trimTrailingNewline` applies to `pf_reply`'s stdin form, the
 * equivalent of exec mode's stdout); `payloadAsArgument` does not apply.
 */
type SharedOptions = Pick<
  ExecExecutorOptions,
  | 'scriptPath'
  | 'instance'
  | 'timeoutMs'
  | 'killGraceMs'
  | 'maxOutputBytes'
  | 'maxControlBytes'
  | 'trimTrailingNewline'
  | 'forwardSourceMessageProperty'
  | 'permanentExitCode'
  | 'passEnv'
  | 'extraEnv'
  | 'parentEnv'
  | 'bashPath'
  | 'cwd'
  | 'stderrTailLines'
  | 'stderrTailBytes'
  | 'maxStderrLineBytes'
>;

export interface StreamExecutorOptions extends SharedOptions {
  /** How messages and replies are framed on stdin/stdout. Default `lines`. */
  readonly codec?: StreamCodec;
  /** Script processes kept running (the pool's slots). Default 1. */
  readonly processes?: number;
  /** Messages written to one process before its replies come back. Default 16. */
  readonly pipeline?: number;
  /** Delay before restarting a process that exited without answering; doubles on each such exit. Default 100. */
  readonly restartBackoffMs?: number;
  /** Cap of that delay; a process up this long counts as healthy (the delay starts over). Default 10000. */
  readonly restartBackoffMaxMs?: number;
  /** Exported as PF_LIB. Default scripts/lib/pf-stream.sh (which sources pf-function.sh). */
  readonly helperLibraryPath?: string;
  /**
   * Where each process gets a private TMPDIR, removed when it exits. Default the system's temporary
   * directory; null: none (TMPDIR is not set).
   */
  readonly tmpRoot?: string | null;
  /** Each stderr line; `invocation` is the message the process was answering, if any. */
  readonly onStderrLine?: (line: string, invocation: Invocation | undefined) => void;
  /** Each `pf_log`; `invocation` is undefined for a log written outside any message (e.g. at start). */
  readonly onLog?: (level: ScriptLogLevel, message: string, invocation: Invocation | undefined) => void;
  /** Processes starting and exiting (for the instance's log). */
  readonly onEvent?: (event: StreamProcessEvent) => void;
  /** Called with the new value whenever `ready` changes. */
  readonly onReadyChange?: (ready: boolean) => void;
}

export interface NormalizedStreamOptions {
  readonly scriptPath: string;
  readonly codec: StreamCodec;
  readonly processes: number;
  readonly pipeline: number;
  /** 0: no limit. */
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly maxOutputBytes: number;
  readonly maxControlBytes: number;
  readonly trimTrailingNewline: boolean;
  readonly forwardSourceMessageProperty: boolean;
  readonly permanentExitCode: number;
  readonly bashPath: string;
  readonly helperLibraryPath: string;
  readonly cwd: string | undefined;
  readonly tmpRoot: string | null;
  readonly stderrTailLines: number;
  readonly stderrTailBytes: number;
  readonly maxStderrLineBytes: number;
  readonly restartBackoffMs: number;
  readonly restartBackoffMaxMs: number;
  readonly onStderrLine: StreamExecutorOptions['onStderrLine'];
  readonly onLog: StreamExecutorOptions['onLog'];
  readonly onEvent: StreamExecutorOptions['onEvent'];
  readonly onReadyChange: StreamExecutorOptions['onReadyChange'];
}

const CODECS: readonly string[] = Object.values(StreamCodec);
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Throws ExecutorOptionsError with one line per bad option. Also returns the base environment's inputs. */
export function normalizeStreamOptions(
  options: StreamExecutorOptions,
  defaults: {
    helperLibraryPath: string;
    tmpRoot: string;
    parentEnv: Readonly<Record<string, string | undefined>>;
  },
): { normalized: NormalizedStreamOptions; shared: ReturnType<typeof normalizeExecOptions> } {
  const problems: string[] = [];
  let shared: ReturnType<typeof normalizeExecOptions> | undefined;
  try {
    shared = normalizeExecOptions(
      {
        ...pickShared(options),
        helperLibraryPath: options.helperLibraryPath ?? defaults.helperLibraryPath,
        tmpRoot: options.tmpRoot,
      },
      defaults,
    );
  } catch (error) {
    if (!(error instanceof ExecutorOptionsError)) throw error;
    problems.push(...error.problems);
  }
  const integer = (name: string, value: unknown, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${String(value)}\``);
      return fallback;
    }
    return value;
  };
  const codec = options.codec ?? StreamCodec.Lines;
  if (!CODECS.includes(codec)) {
    problems.push(`Expected \`codec\` to be one of ${CODECS.join(', ')}, got \`${String(codec)}\``);
  }
  const processes = integer('processes', options.processes, 1, 1, 1024);
  const pipeline = integer('pipeline', options.pipeline, 16, 1, 1024);
  const restartBackoffMs = integer('restartBackoffMs', options.restartBackoffMs, 100, 1, MAX_DELAY_MS);
  const restartBackoffMaxMs = integer(
    'restartBackoffMaxMs',
    options.restartBackoffMaxMs,
    Math.max(10_000, restartBackoffMs),
    restartBackoffMs,
    MAX_DELAY_MS,
  );
  if (problems.length > 0 || shared === undefined) throw new ExecutorOptionsError(problems);
  return {
    shared,
    normalized: {
      scriptPath: shared.scriptPath,
      codec,
      processes,
      pipeline,
      timeoutMs: shared.timeoutMs,
      killGraceMs: shared.killGraceMs,
      maxOutputBytes: shared.maxOutputBytes,
      maxControlBytes: shared.maxControlBytes,
      trimTrailingNewline: shared.trimTrailingNewline,
      forwardSourceMessageProperty: shared.forwardSourceMessageProperty,
      permanentExitCode: shared.permanentExitCode,
      bashPath: shared.bashPath,
      helperLibraryPath: shared.helperLibraryPath,
      cwd: shared.cwd,
      tmpRoot: shared.tmpRoot,
      stderrTailLines: shared.stderrTailLines,
      stderrTailBytes: shared.stderrTailBytes,
      maxStderrLineBytes: shared.maxStderrLineBytes,
      restartBackoffMs,
      restartBackoffMaxMs,
      onStderrLine: options.onStderrLine,
      onLog: options.onLog,
      onEvent: options.onEvent,
      onReadyChange: options.onReadyChange,
    },
  };
}

function pickShared(options: StreamExecutorOptions): ExecExecutorOptions {
  const {
    codec: _codec,
    processes: _processes,
    pipeline: _pipeline,
    restartBackoffMs: _backoff,
    restartBackoffMaxMs: _backoffMax,
    helperLibraryPath: _library,
    tmpRoot: _tmpRoot,
    onStderrLine: _onStderrLine,
    onLog: _onLog,
    onEvent: _onEvent,
    onReadyChange: _onReadyChange,
    ...shared
  } = options;
  return shared;
}
