// A function's settings as the commands that talk about a function (trigger, manifest, produce, consume) need
// them: read by the runtime's own loader from the same environment variables and FunctionConfig file, so that
// a command and `pf-bash run` never disagree about a topic or the broker. The loader checks a whole instance,
// which needs its script; these commands run where the script is not (it lives in the image), so the script is
// taken as present, and a placeholder stands in when none is named.
import {
  BROKER_VARIABLES,
  CONFIG_VARIABLES,
  type ConfigProblem,
  type FunctionConfigFile,
  type FunctionRuntimeConfig,
  formatProblems,
  loadConfig,
  type ReadFile,
  readFileOrUndefined,
  readFunctionConfigFile,
} from '../runtime/config/index.ts';
import { ConfigurationError, type ParsedArgs } from './args.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Stands in for the script when none is named; never read. */
export const PLACEHOLDER_SCRIPT = '/pf-bash/no-script-named.sh';
/** Stands in for the input of commands that only need the broker settings. */
const PLACEHOLDER_INPUT = 'persistent://public/default/pf-bash-placeholder';

export interface FunctionSettings {
  readonly config: FunctionRuntimeConfig;
  readonly warnings: readonly ConfigProblem[];
  /** The FunctionConfig file as read, when PF_FUNCTION_CONFIG_FILE names a readable one. */
  readonly file: FunctionConfigFile | undefined;
  /** Whether a script was named (PF_SCRIPT or the file's customRuntimeOptions); else the placeholder stood in. */
  readonly scriptNamed: boolean;
}

/** The PF_ variables the runtime knows, from an environment (other variables are none of the function's). */
export function configVariables(env: Env): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') result[name] = value;
  }
  return result;
}

/**
 * Loads the function's settings; throws ConfigurationError listing every problem (a command then exits 2). `readFile`
 * reads the FunctionConfig file, token and CA files; the script is never read.
 */
export function loadFunctionSettings(env: Env, readFile: ReadFile = readFileOrUndefined): FunctionSettings {
  const fileName = env.PF_FUNCTION_CONFIG_FILE?.trim() || undefined;
  const fileText = fileName === undefined ? undefined : readFile(fileName);
  const file =
    fileName === undefined || fileText === undefined ? undefined : readFunctionConfigFile(fileName, fileText);
  const named = env.PF_SCRIPT?.trim() || file?.values.get('PF_SCRIPT')?.text.trim() || undefined;
  const script = named ?? PLACEHOLDER_SCRIPT;
  const loaded = loadConfig(named === undefined ? { ...env, PF_SCRIPT: script } : env, (path) =>
    path === script ? (readFile(path) ?? '') : readFile(path),
  );
  if (!loaded.ok)
    throw new ConfigurationError(`the settings are not valid:\n${formatProblems(loaded.problems)}`);
  return { config: loaded.config, warnings: loaded.warnings, file, scriptNamed: named !== undefined };
}

/** Only the broker settings of an environment (PF_SERVICE_URL, the token, TLS), checked as the runtime checks them. */
export function loadBrokerSettings(env: Env, readFile: ReadFile = readFileOrUndefined): FunctionSettings {
  const broker: Record<string, string | undefined> = { PF_INPUTS: PLACEHOLDER_INPUT };
  for (const name of BROKER_VARIABLES) broker[name] = env[name];
  return loadFunctionSettings(broker, readFile);
}

/** `env` with the variables that flags set: each pair is a string option and the variable it sets. */
export function withFlagVariables<T extends string | undefined>(
  args: ParsedArgs,
  env: Readonly<Record<string, T>>,
  flags: readonly (readonly [flag: string, variable: string])[],
): Record<string, T | string> {
  const result: Record<string, T | string> = { ...env };
  for (const [flag, variable] of flags) {
    const value = args.string(flag);
    if (value !== undefined) result[variable] = value;
  }
  return result;
}

/** Warnings as `warning: …` lines. */
export function formatWarnings(warnings: readonly ConfigProblem[]): string {
  if (warnings.length === 0) return '';
  return `${formatProblems(warnings)
    .split('\n')
    .map((line) => `warning: ${line}`)
    .join('\n')}\n`;
}
