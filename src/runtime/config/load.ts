// loadConfig: the environment (and an optional FunctionConfig YAML file) → a typed configuration, or every
// problem found, one per bad setting. Pure: files are read through the function passed in.
import { DEFAULTS } from './defaults.ts';
import { type FunctionConfigFile, readFunctionConfigFile } from './function-config-file.ts';
import { readBroker, readIdentity } from './read-connection.ts';
import { readDelivery } from './read-delivery.ts';
import { readStream } from './read-stream.ts';
import { Settings } from './settings.ts';
import { closestName } from './suggest.ts';
import {
  type ConfigProblem,
  ExecutionMode,
  type LoadConfigOptions,
  type LoadConfigResult,
  LogLevel,
  type ReadFile,
} from './types.ts';
import { parseBoolean, parseEnum, parseInteger, parseJsonObject } from './values.ts';
import { CONFIG_VARIABLES } from './variables.ts';

const LOG_LEVELS = Object.values(LogLevel);
const MODES = Object.values(ExecutionMode);

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env, readFile: ReadFile, options: LoadConfigOptions = {}): LoadConfigResult {
  const fileName = env.PF_FUNCTION_CONFIG_FILE?.trim() || undefined;
  const fileProblems: ConfigProblem[] = [];
  let file: FunctionConfigFile | undefined;
  if (fileName !== undefined) {
    const text = readFile(fileName);
    if (text === undefined) {
      const message = 'expected a readable Pulsar FunctionConfig YAML file';
      fileProblems.push({ setting: 'PF_FUNCTION_CONFIG_FILE', value: fileName, message });
    } else {
      file = readFunctionConfigFile(fileName, text);
    }
  }
  const s = new Settings(env, file, fileName);
  s.problems.push(...fileProblems, ...(file?.problems ?? []));
  s.warnings.push(...(file?.warnings ?? []));

  const mode = s.value('PF_MODE', (t) => parseEnum(t, MODES), ExecutionMode.Exec);
  const payloadAsArgument = s.value('PF_SCRIPT_ARGV_PAYLOAD', parseBoolean, DEFAULTS.payloadAsArgument);
  const stream = readStream(s, mode, payloadAsArgument);
  const scriptPath = readScriptPath(s, readFile);
  const identity = readIdentity(s, scriptPath);
  const broker = readBroker(s, readFile);
  const delivery = readDelivery(s, identity, options.cpuCount ?? 1, stream?.pipeline);
  const timeoutMs = s.value('PF_TIMEOUT_MS', (t) => parseInteger(t, 0), DEFAULTS.timeoutMs);
  const killGraceMs = s.value('PF_KILL_GRACE_MS', (t) => parseInteger(t, 0), DEFAULTS.killGraceMs);
  const trimTrailingNewline = s.value('PF_TRIM_TRAILING_NEWLINE', parseBoolean, DEFAULTS.trimTrailingNewline);
  const forward = s.value(
    'PF_FORWARD_SOURCE_MESSAGE_PROPERTY',
    parseBoolean,
    DEFAULTS.forwardSourceMessageProperty,
  );
  const userConfig = s.value('PF_USER_CONFIG', parseJsonObject, {});
  const httpPort = s.value('PF_HTTP_PORT', (t) => parseInteger(t, 0, 65535), DEFAULTS.httpPort);
  const httpHost = s.text('PF_HTTP_HOST') ?? DEFAULTS.httpHost;
  const cluster = s.text('PF_CLUSTER') ?? DEFAULTS.cluster;
  const logLevel = s.value('PF_LOG_LEVEL', (t) => parseEnum(t, LOG_LEVELS), DEFAULTS.logLevel);
  const drainTimeoutMs = s.value('PF_DRAIN_TIMEOUT_MS', (t) => parseInteger(t, 0), DEFAULTS.drainTimeoutMs);
  warnUnknownVariables(s, env);

  if (
    s.problems.length > 0 ||
    mode === undefined ||
    stream === undefined ||
    scriptPath === undefined ||
    identity === undefined ||
    broker === undefined ||
    delivery === undefined ||
    timeoutMs === undefined ||
    killGraceMs === undefined ||
    payloadAsArgument === undefined ||
    trimTrailingNewline === undefined ||
    forward === undefined ||
    userConfig === undefined ||
    httpPort === undefined ||
    logLevel === undefined ||
    drainTimeoutMs === undefined
  ) {
    return { ok: false, problems: s.problems, warnings: s.warnings };
  }
  return {
    ok: true,
    warnings: s.warnings,
    config: {
      mode,
      stream,
      function: identity,
      broker,
      input: delivery.input,
      output: { topic: delivery.output, forwardSourceMessageProperty: forward, trimTrailingNewline },
      logTopic: delivery.logTopic,
      delivery: delivery.delivery,
      script: {
        path: scriptPath,
        payloadAsArgument,
        timeoutMs: timeoutMs === 0 ? null : timeoutMs,
        killGraceMs,
      },
      pool: delivery.pool,
      userConfig,
      httpPort,
      httpHost,
      cluster,
      logLevel,
      drainTimeoutMs,
      functionConfigFile: fileName ?? null,
    },
  };
}

/** Required, and readable now: a missing script is a configuration error, not a failure of every message. */
function readScriptPath(s: Settings, readFile: ReadFile): string | undefined {
  const path = s.text('PF_SCRIPT');
  if (path === undefined) {
    s.problem('PF_SCRIPT', 'missing: expected the path of the bash script to run');
    return undefined;
  }
  if (readFile(path) === undefined) {
    s.problem('PF_SCRIPT', 'expected a readable file (the bash script to run)');
    return undefined;
  }
  return path;
}

/** A PF_ variable one or two letters away from a known one is most likely a typo. */
function warnUnknownVariables(s: Settings, env: Env): void {
  const known: readonly string[] = CONFIG_VARIABLES;
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('PF_') || known.includes(name)) continue;
    const suggestion = closestName(name, known);
    if (suggestion !== undefined) {
      s.warnings.push({
        setting: name,
        value: undefined,
        message: `unknown variable, ignored; did you mean ${suggestion}?`,
      });
    }
  }
}
