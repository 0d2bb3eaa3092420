// The exec-mode executor's options: documented with their defaults, validated and normalised once (pure; the
// file-system checks happen in createExecExecutor).
import type { FunctionInstance, Invocation, ScriptLogLevel } from './types.ts';

/** Pulsar's default maxMessageSize (5 MiB); pass the broker's actual value. */
export const DEFAULT_MAX_OUTPUT_BYTES = 5 * 1024 * 1024;
/**
 * The exit code that means "permanent failure: dead-letter this message now, do not retry". 100 is qmail's
 * "permanent error" code; no shell builtin and few common tools use it (apt-get and newer curl do).
 */
export const PERMANENT_FAILURE_EXIT_CODE = 100;

export interface ExecExecutorOptions {
  /** The bash script; resolved against the current directory once. Must exist and be readable. */
  readonly scriptPath: string;
  /** Per-instance values the script sees in its environment (PF_TENANT, PF_USER_CONFIG, …). */
  readonly instance: FunctionInstance;
  /** Per message; the whole process group is killed when exceeded. null or 0: no limit. Default 30000. */
  readonly timeoutMs?: number | null;
  /** Between SIGTERM and SIGKILL when the runtime kills a script. Default 5000. */
  readonly killGraceMs?: number;
  /** The broker's maximum message size: the bound of stdout and of each published payload. Default 5 MiB. */
  readonly maxOutputBytes?: number;
  /** Bound of everything written to the control channel in one run. Default 4 × maxOutputBytes. */
  readonly maxControlBytes?: number;
  /** Remove exactly one trailing `\n` from stdout. Default true. */
  readonly trimTrailingNewline?: boolean;
  /** Also pass the payload as `$1` (scripts written for the interview runtime). Default false. */
  readonly payloadAsArgument?: boolean;
  /** The output message carries the input's properties unless the script changes them. Default true. */
  readonly forwardSourceMessageProperty?: boolean;
  /** Exit code meaning permanent failure; exported to the script as PF_EXIT_PERMANENT. Default 100. */
  readonly permanentExitCode?: number;
  /** Names of the runtime's environment variables the script may see (besides the base set). Default none. */
  readonly passEnv?: readonly string[];
  /** Extra variables for the script, e.g. a secret meant for it. Default none. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** The runtime's environment, read for the base set and passEnv. Default process.env. */
  readonly parentEnv?: Readonly<Record<string, string | undefined>>;
  /** bash itself; a bare name is looked up on the script's PATH once. Default `bash`. */
  readonly bashPath?: string;
  /** The helper library exported as PF_LIB. Default the pf-function.sh shipped with pf-bash. */
  readonly helperLibraryPath?: string;
  /** Working directory of the script. Default the script's directory. */
  readonly cwd?: string;
  /**
   * Where each run gets a private, emptied-afterwards TMPDIR. Default the system's temporary directory;
   * null: no private directory (TMPDIR is not set).
   */
  readonly tmpRoot?: string | null;
  /** stderr lines kept for the result's stderrTail. Default 20. */
  readonly stderrTailLines?: number;
  /** Bytes kept for the result's stderrTail. Default 4096. */
  readonly stderrTailBytes?: number;
  /** Longer stderr lines are cut into pieces of this many bytes. Default 8192. */
  readonly maxStderrLineBytes?: number;
  /** stderr lines passed to onStderrLine per run; later ones are only counted in the tail. Default 1000. */
  readonly maxStderrLinesForwarded?: number;
  /** Each stderr line (without its newline), as it arrives: for the log topic. */
  readonly onStderrLine?: (line: string, invocation: Invocation) => void;
  /** Each `pf_log LEVEL MESSAGE` of the script, as it arrives. */
  readonly onLog?: (level: ScriptLogLevel, message: string, invocation: Invocation) => void;
}

/** Every option present and checked. */
export interface NormalizedExecOptions {
  readonly scriptPath: string;
  readonly instance: FunctionInstance;
  /** 0: no limit. */
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly maxOutputBytes: number;
  readonly maxControlBytes: number;
  readonly trimTrailingNewline: boolean;
  readonly payloadAsArgument: boolean;
  readonly forwardSourceMessageProperty: boolean;
  readonly permanentExitCode: number;
  readonly passEnv: readonly string[];
  readonly extraEnv: Readonly<Record<string, string>>;
  readonly parentEnv: Readonly<Record<string, string | undefined>>;
  readonly bashPath: string;
  readonly helperLibraryPath: string;
  readonly cwd: string | undefined;
  readonly tmpRoot: string | null;
  readonly stderrTailLines: number;
  readonly stderrTailBytes: number;
  readonly maxStderrLineBytes: number;
  readonly maxStderrLinesForwarded: number;
  readonly onStderrLine: ((line: string, invocation: Invocation) => void) | undefined;
  readonly onLog: ((level: ScriptLogLevel, message: string, invocation: Invocation) => void) | undefined;
}

/** Options that cannot work; `problems` has one line per bad option. */
export class ExecutorOptionsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid executor options:\n  ${problems.join('\n  ')}`);
    this.name = 'ExecutorOptionsError';
    this.problems = problems;
  }
}

// Timers fire at once beyond this (Node, like execa, caps delays at 2^31 - 1 ms).
const MAX_DELAY_MS = 2 ** 31 - 1;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Variables that change how bash starts or what it runs before the script; never passed through.
const BASH_STARTUP_VARIABLES = new Set(['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS']);

export function normalizeExecOptions(
  options: ExecExecutorOptions,
  defaults: {
    helperLibraryPath: string;
    tmpRoot: string;
    parentEnv: Readonly<Record<string, string | undefined>>;
  },
): NormalizedExecOptions {
  const problems: string[] = [];
  const integer = (
    name: string,
    value: unknown,
    fallback: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${String(value)}\``);
      return fallback;
    }
    return value;
  };
  const flag = (name: string, value: unknown, fallback: boolean) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      problems.push(`Expected \`${name}\` to be a boolean, got \`${String(value)}\``);
      return fallback;
    }
    return value;
  };
  const text = (name: string, value: unknown, fallback: string) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '') {
      problems.push(`Expected \`${name}\` to be a non-empty string, got \`${String(value)}\``);
      return fallback;
    }
    return value;
  };

  if (typeof options.scriptPath !== 'string' || options.scriptPath === '') {
    problems.push(`Expected \`scriptPath\` to be a non-empty string, got \`${String(options.scriptPath)}\``);
  }
  const timeoutMs = integer('timeoutMs', options.timeoutMs ?? 0, 0, 0, MAX_DELAY_MS);
  const maxOutputBytes = integer('maxOutputBytes', options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 1);
  const passEnv = options.passEnv ?? [];
  for (const name of passEnv) {
    const problem = envNameProblem(name);
    if (problem !== undefined) problems.push(`passEnv: ${problem}`);
  }
  const extraEnv = options.extraEnv ?? {};
  for (const [name, value] of Object.entries(extraEnv)) {
    const problem = envNameProblem(name);
    if (problem !== undefined) problems.push(`extraEnv: ${problem}`);
    if (typeof value !== 'string' || value.includes('\0')) {
      problems.push(`extraEnv: the value of ${name} must be a string without NUL bytes`);
    }
  }
  checkInstance(options.instance, problems);

  const normalized: NormalizedExecOptions = {
    scriptPath: options.scriptPath,
    instance: options.instance,
    timeoutMs: options.timeoutMs === undefined ? 30_000 : timeoutMs,
    killGraceMs: integer('killGraceMs', options.killGraceMs, 5_000, 0, MAX_DELAY_MS),
    maxOutputBytes,
    maxControlBytes: integer('maxControlBytes', options.maxControlBytes, 4 * maxOutputBytes, 1),
    trimTrailingNewline: flag('trimTrailingNewline', options.trimTrailingNewline, true),
    payloadAsArgument: flag('payloadAsArgument', options.payloadAsArgument, false),
    forwardSourceMessageProperty: flag(
      'forwardSourceMessageProperty',
      options.forwardSourceMessageProperty,
      true,
    ),
    permanentExitCode: integer(
      'permanentExitCode',
      options.permanentExitCode,
      PERMANENT_FAILURE_EXIT_CODE,
      1,
      255,
    ),
    passEnv,
    extraEnv,
    parentEnv: options.parentEnv ?? defaults.parentEnv,
    bashPath: text('bashPath', options.bashPath, 'bash'),
    helperLibraryPath: text('helperLibraryPath', options.helperLibraryPath, defaults.helperLibraryPath),
    cwd: options.cwd === undefined ? undefined : text('cwd', options.cwd, '.'),
    tmpRoot: options.tmpRoot === null ? null : text('tmpRoot', options.tmpRoot, defaults.tmpRoot),
    stderrTailLines: integer('stderrTailLines', options.stderrTailLines, 20, 0),
    stderrTailBytes: integer('stderrTailBytes', options.stderrTailBytes, 4096, 0),
    maxStderrLineBytes: integer('maxStderrLineBytes', options.maxStderrLineBytes, 8192, 1),
    maxStderrLinesForwarded: integer('maxStderrLinesForwarded', options.maxStderrLinesForwarded, 1000, 0),
    onStderrLine: options.onStderrLine,
    onLog: options.onLog,
  };
  if (problems.length > 0) throw new ExecutorOptionsError(problems);
  return normalized;
}

function envNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !ENV_NAME.test(name)) return `\`${String(name)}\` is not a variable name`;
  if (name.startsWith('PF_')) return `${name}: names starting with PF_ are the runtime's own`;
  if (BASH_STARTUP_VARIABLES.has(name) || name.startsWith('BASH_FUNC_')) {
    return `${name} changes what bash runs before the script and is never passed`;
  }
  return undefined;
}

function checkInstance(instance: FunctionInstance | undefined, problems: string[]): void {
  if (instance === undefined || instance === null || typeof instance !== 'object') {
    problems.push('Expected `instance` to be an object (tenant, namespace, name, instanceId, …)');
    return;
  }
  for (const field of ['tenant', 'namespace', 'name'] as const) {
    if (typeof instance[field] !== 'string' || instance[field] === '') {
      problems.push(
        `Expected \`instance.${field}\` to be a non-empty string, got \`${String(instance[field])}\``,
      );
    }
  }
  if (!Number.isInteger(instance.numInstances) || instance.numInstances < 1) {
    problems.push(
      `Expected \`instance.numInstances\` to be a positive integer, got \`${instance.numInstances}\``,
    );
  }
  if (
    !Number.isInteger(instance.instanceId) ||
    instance.instanceId < 0 ||
    (Number.isInteger(instance.numInstances) && instance.instanceId >= instance.numInstances)
  ) {
    problems.push(
      `Expected \`instance.instanceId\` to be an integer from 0 to numInstances - 1, got \`${instance.instanceId}\``,
    );
  }
  if (!Array.isArray(instance.inputTopics)) problems.push('Expected `instance.inputTopics` to be an array');
}
