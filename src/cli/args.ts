// What every pf-bash command shares: its options declared once (node:util parseArgs reads them, --help is
// written from them, defaults included), typed accessors that turn bad values into usage errors, the exit codes,
// and the streams a command writes to (passed in, so tests capture them).
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** docs/cli.md lists them per command. */
export const ExitCode = {
  Ok: 0,
  /** The work failed: broker or engine unreachable, build failed, an instance did not answer. */
  Failure: 1,
  /** Bad usage or configuration: nothing was attempted. */
  Usage: 2,
  /** `trigger`, `consume`: the expected messages did not come within the timeout. */
  Timeout: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Repeatable: `--file a --file b`. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's name in the help: `FILE` in `--file FILE`. */
  readonly value?: string;
  readonly description: string;
  /** Applied when the option is absent, and shown in the help. */
  readonly default?: string;
  /** Shown in the help when the default is not a fixed value (`PF_SERVICE_URL, else …`); the command applies it. */
  readonly defaultText?: string;
  readonly required?: boolean;
}

export interface CommandSpec {
  /** `produce`: the command's name after `pf-bash`. */
  readonly name: string;
  /** What follows the name in the usage line: `<script> [options]`. */
  readonly synopsis: string;
  /** A paragraph or two under the usage line. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Positional arguments: how many, and their names for messages. */
  readonly positionals?: { readonly min: number; readonly max: number; readonly name: string };
  /** Codes beyond 0 and 2, with what they mean for this command. */
  readonly exitCodes: readonly (readonly [code: number, meaning: string])[];
  readonly examples?: readonly string[];
}

/** Bad usage: the command prints the message and a pointer to --help, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The settings (environment, FunctionConfig file) are not valid: one line per problem, exit 2. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** Where a command's text and bytes go. */
export interface OutputSink {
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIo {
  readonly stdout: OutputSink;
  readonly stderr: OutputSink;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Calls `handler` on Ctrl-C or SIGTERM (a command then ends early, cleanly); returns the unsubscribe. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    onInterrupt: (handler) => {
      process.once('SIGINT', handler);
      process.once('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' };

function optionLabel(name: string, option: OptionSpec): string {
  const long = option.type === 'string' ? `--${name} ${option.value ?? 'VALUE'}` : `--${name}`;
  return option.short === undefined ? `    ${long}` : `-${option.short}, ${long}`;
}

function optionText(option: OptionSpec): string {
  const notes: string[] = [];
  if (option.required === true) notes.push('required');
  if (option.multiple === true) notes.push('repeatable');
  const shownDefault = option.default ?? option.defaultText;
  if (shownDefault !== undefined) notes.push(`default: ${shownDefault}`);
  return notes.length === 0 ? option.description : `${option.description} (${notes.join('; ')})`;
}

/** Help lines are wrapped at this width, for an 80-to-120-column terminal. */
const HELP_WIDTH = 100;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The --help text: usage, description, every option with its default, exit codes, examples. */
export function helpText(spec: CommandSpec): string {
  const options = Object.entries({ ...spec.options, help: HELP_OPTION });
  const labels = options.map(([name, option]) => optionLabel(name, option));
  const column = Math.min(Math.max(...labels.map((l) => l.length)) + 4, 36);
  const indent = ' '.repeat(column);
  const lines = options.flatMap(([, option], i) => {
    const label = `  ${labels[i] ?? ''}`;
    const [first = '', ...rest] = wrap(optionText(option), HELP_WIDTH - column);
    const head =
      label.length + 2 > column ? [label, `${indent}${first}`] : [`${label.padEnd(column)}${first}`];
    return [...head, ...rest.map((l) => `${indent}${l}`)];
  });
  const codes: [number, string][] = [
    [ExitCode.Ok, 'success'],
    ...spec.exitCodes.map(([code, meaning]): [number, string] => [code, meaning]),
    [ExitCode.Usage, 'bad usage or configuration (nothing was attempted)'],
  ];
  codes.sort((a, b) => a[0] - b[0]);
  return [
    `usage: pf-bash ${spec.name} ${spec.synopsis}`,
    '',
    spec.description.trimEnd(),
    '',
    'options:',
    ...lines,
    '',
    'exit codes:',
    ...codes.map(([code, meaning]) => `  ${code}  ${meaning}`),
    ...(spec.examples === undefined ? [] : ['', 'examples:', ...spec.examples.map((e) => `  ${e}`)]),
    '',
  ].join('\n');
}

type RawValue = string | boolean | (string | boolean)[] | undefined;

/** The parsed command line, with accessors that apply the declared defaults and check values. */
export class ParsedArgs {
  readonly positionals: readonly string[];
  readonly #spec: CommandSpec;
  readonly #values: Readonly<Record<string, RawValue>>;

  constructor(spec: CommandSpec, values: Readonly<Record<string, RawValue>>, positionals: readonly string[]) {
    this.#spec = spec;
    this.#values = values;
    this.positionals = positionals;
  }

  /** Whether the option was given (not defaulted). */
  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : this.#option(name).default;
  }

  /** A required string option (declared `required`, so parsing already checked it). */
  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`missing --${name}`);
    return value;
  }

  strings(name: string): string[] {
    const value = this.#values[name];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  /** An integer option within [min, max]; undefined when absent without a default. */
  integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER
          ? min === 0
            ? 'a non-negative integer'
            : min === 1
              ? 'a positive integer'
              : `an integer of at least ${min}`
          : `an integer from ${min} to ${max}`;
      throw new UsageError(`Expected \`--${name}\` to be ${range}, got \`${text}\``);
    }
    return value;
  }

  /** One of the listed values, matched exactly. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!(choices as readonly string[]).includes(text)) {
      throw new UsageError(`Expected \`--${name}\` to be one of ${choices.join(', ')}, got \`${text}\``);
    }
    return text as T;
  }

  /** A repeatable `k=v` option as a record; the value may hold `=`, the name may not be empty. */
  keyValues(name: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const item of this.strings(name)) {
      const equals = item.indexOf('=');
      if (equals <= 0) throw new UsageError(`Expected \`--${name}\` as NAME=VALUE, got \`${item}\``);
      result[item.slice(0, equals)] = item.slice(equals + 1);
    }
    return result;
  }

  #option(name: string): OptionSpec {
    const option = this.#spec.options[name];
    if (option === undefined) throw new Error(`pf-bash ${this.#spec.name} declares no option --${name}`);
    return option;
  }
}

/** Parses `argv` against the spec; null when --help was asked for. Throws UsageError. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedArgs | null {
  const config: ParseArgsOptionsConfig = {};
  for (const [name, option] of Object.entries({ ...spec.options, help: HELP_OPTION })) {
    config[name] = {
      type: option.type,
      ...(option.multiple === true ? { multiple: true } : {}),
      ...(option.short === undefined ? {} : { short: option.short }),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs' messages name the option and say what is wrong; the codes are its only API.
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, RawValue>;
  if (values.help === true) return null;
  const wanted = spec.positionals ?? { min: 0, max: 0, name: '' };
  const count = parsed.positionals.length;
  if (count > wanted.max) {
    const extra = parsed.positionals.slice(wanted.max).join(' ');
    throw new UsageError(
      wanted.max === 0
        ? `unexpected argument \`${extra}\` (this command takes options only)`
        : `unexpected argument \`${extra}\` after the ${wanted.name}`,
    );
  }
  if (count < wanted.min) throw new UsageError(`missing the ${wanted.name}`);
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.required === true && values[name] === undefined) throw new UsageError(`missing --${name}`);
  }
  return new ParsedArgs(spec, values, parsed.positionals);
}

/**
 * Runs a command: parses, answers --help, calls `body`, and maps errors to exit codes (UsageError → 2, any
 * other → 1), each as one `pf-bash <name>: …` line on stderr.
 */
export async function executeCommand(
  spec: CommandSpec,
  argv: readonly string[],
  io: CliIo,
  body: (args: ParsedArgs, io: CliIo) => Promise<number>,
): Promise<number> {
  try {
    const args = parseCommandLine(spec, argv);
    if (args === null) {
      io.stdout.write(helpText(spec));
      return ExitCode.Ok;
    }
    return await body(args, io);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      io.stderr.write(`pf-bash ${spec.name}: ${error.message}\n`);
      return ExitCode.Usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(
        `pf-bash ${spec.name}: ${error.message}\n(pf-bash ${spec.name} --help lists the options)\n`,
      );
      return ExitCode.Usage;
    }
    io.stderr.write(`pf-bash ${spec.name}: ${describeError(error)}\n`);
    return ExitCode.Failure;
  }
}

/** An error's message with its causes, which often say what really happened (ECONNREFUSED). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message !== '' && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'failed';
}
