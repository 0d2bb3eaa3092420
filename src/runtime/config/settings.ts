// Where each setting's text comes from (the environment first, then the FunctionConfig file, else a default) and
// the problems found, each named after where its value came from. Secrets are never kept in what is shown.
import type { FunctionConfigFile } from './function-config-file.ts';
import { REDACTED } from './problems.ts';
import type { ConfigProblem } from './types.ts';
import type { Parsed } from './values.ts';

/** Variables whose values never appear in a problem or a log line. */
const SECRET_VARIABLES = new Set(['PF_AUTH_TOKEN']);

/** Inputs are chosen as a whole: either variable set in the environment replaces both of the file's. */
const INPUT_SELECTION = ['PF_INPUTS', 'PF_TOPICS_PATTERN'];

/** Where a setting's value was read. */
export interface Origin {
  /** The problem line's head: `PF_X`, or `<file>: <key>`. */
  readonly setting: string;
  /** The value as shown: as given, or `<redacted>`. */
  readonly shown: string;
  /** How another setting's problem mentions this one: `PF_X=v` or `<key>=v in <file>`. */
  readonly reference: string;
}

export class Settings {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #file: FunctionConfigFile | undefined;
  readonly #fileName: string;
  readonly #invalid = new Set<string>();

  constructor(env: Readonly<Record<string, string | undefined>>, file?: FunctionConfigFile, fileName = '') {
    this.#env = env;
    this.#file = file;
    this.#fileName = fileName;
  }

  /** An environment variable's value, trimmed; empty counts as unset (as a blank line in a manifest). */
  env(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** The setting's text, environment first; undefined when neither sets it. */
  text(name: string): string | undefined {
    return this.env(name) ?? this.#fromFile(name)?.text;
  }

  /** Where the setting was read; undefined when it was not set (its default applies). */
  origin(name: string): Origin | undefined {
    const fromEnv = this.env(name);
    if (fromEnv !== undefined) {
      const shown = SECRET_VARIABLES.has(name) ? REDACTED : fromEnv;
      return { setting: name, shown, reference: `${name}=${shown}` };
    }
    const fromFile = this.#fromFile(name);
    if (fromFile === undefined) return undefined;
    return {
      setting: `${this.#fileName}: ${fromFile.key}`,
      shown: fromFile.text,
      reference: `${fromFile.key}=${fromFile.text} in ${this.#fileName}`,
    };
  }

  /** The parsed setting; `fallback` when unset; undefined, with a problem, when the text does not parse. */
  value<T>(name: string, parse: (text: string) => Parsed<T>, fallback: T): T | undefined {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    // A setting read twice is reported once.
    if (!this.#invalid.has(name)) this.problem(name, parsed.expected);
    return undefined;
  }

  /** How a problem mentions a setting that was used with `value`: as read, or as its default. */
  reference(name: string, value: unknown): string {
    return this.origin(name)?.reference ?? `${name}=${String(value)} (the default)`;
  }

  /** Whether the setting was given (not defaulted). */
  isSet(name: string): boolean {
    return this.text(name) !== undefined;
  }

  /** Whether a problem was already reported for the setting (later checks then leave it alone). */
  isInvalid(name: string): boolean {
    return this.#invalid.has(name);
  }

  /** A problem with the setting's value (or its absence). */
  problem(name: string, message: string): void {
    this.#invalid.add(name);
    const origin = this.origin(name);
    this.problems.push({ setting: origin?.setting ?? name, value: origin?.shown, message });
  }

  /** A problem with something other than a setting's own value (a file, a host name). */
  problemAt(setting: string, value: string | undefined, message: string): void {
    this.problems.push({ setting, value, message });
  }

  warn(name: string, message: string): void {
    const origin = this.origin(name);
    this.warnings.push({ setting: origin?.setting ?? name, value: origin?.shown, message });
  }

  #fromFile(name: string): { text: string; key: string } | undefined {
    if (INPUT_SELECTION.includes(name) && INPUT_SELECTION.some((other) => this.env(other) !== undefined)) {
      return undefined;
    }
    const value = this.#file?.values.get(name);
    // A blank value (`output: ""`) is absent, as in the environment and as Pulsar reads an empty string.
    return value?.text.trim() === '' ? undefined : value;
  }
}
