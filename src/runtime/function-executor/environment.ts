// The script's environment: a clean base built once per instance (never the runtime's whole environment, which
// holds the broker token), plus the message's metadata per run. Values are data: bash never evaluates them.
import { Buffer } from 'node:buffer';
import type { FunctionInstance, Invocation } from './types.ts';

/** The variables pf-bash sets; docs/script-contract.md has the table. */
export const EnvVar = {
  MessageId: 'PF_MESSAGE_ID',
  /** Unset when the message has no key, or when the key contains a NUL character (see MessageKeyBase64). */
  MessageKey: 'PF_MESSAGE_KEY',
  /** Base64 of the key's UTF-8 bytes; set whenever the message has a key. */
  MessageKeyBase64: 'PF_MESSAGE_KEY_BASE64',
  MessageTopic: 'PF_MESSAGE_TOPIC',
  MessagePublishTime: 'PF_MESSAGE_PUBLISH_TIME',
  /** Unset when the producer set no event time. */
  MessageEventTime: 'PF_MESSAGE_EVENT_TIME',
  MessageRedeliveryCount: 'PF_MESSAGE_REDELIVERY_COUNT',
  /** A JSON object of strings. */
  MessageProperties: 'PF_MESSAGE_PROPERTIES',
  /** Payload size in bytes (what stdin carries). */
  MessageSize: 'PF_MESSAGE_SIZE',
  Tenant: 'PF_TENANT',
  Namespace: 'PF_NAMESPACE',
  Name: 'PF_NAME',
  Fqfn: 'PF_FQFN',
  InstanceId: 'PF_INSTANCE_ID',
  NumInstances: 'PF_NUM_INSTANCES',
  UserConfig: 'PF_USER_CONFIG',
  /** Comma-separated full topic names. */
  InputTopics: 'PF_INPUT_TOPICS',
  /** Set only when the inputs are a topics pattern. */
  InputTopicsPattern: 'PF_INPUT_TOPICS_PATTERN',
  /** Unset when the function has no output topic. */
  OutputTopic: 'PF_OUTPUT_TOPIC',
  /** The control channel's file descriptor, for the helper library. */
  ControlFd: 'PF_CONTROL_FD',
  /** Path of the helper library: `source "$PF_LIB"`. */
  Lib: 'PF_LIB',
  /** The permanent-failure exit code. */
  ExitPermanent: 'PF_EXIT_PERMANENT',
} as const;
export type EnvVar = (typeof EnvVar)[keyof typeof EnvVar];

/** The control channel is the child's fd 3 (stdio index 3). */
export const CONTROL_FD = 3;
/**
 * Linux's MAX_ARG_STRLEN: one argument or one `NAME=value` environment string, its terminating NUL included,
 * must fit in 32 pages of 4 KiB. Longer ones make execve fail with E2BIG.
 */
export const MAX_ARG_STRLEN = 128 * 1024;
/** Copied from the runtime's environment when set. */
export const BASE_ENV_NAMES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'] as const;
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** When the runtime has neither LANG nor LC_ALL: bash then counts and cases characters as UTF-8. */
export const DEFAULT_LANG = 'C.UTF-8';

export interface BaseEnvInput {
  readonly instance: FunctionInstance;
  readonly parentEnv: Readonly<Record<string, string | undefined>>;
  readonly passEnv: readonly string[];
  readonly extraEnv: Readonly<Record<string, string>>;
  readonly helperLibraryPath: string;
  readonly permanentExitCode: number;
}

/** The per-instance part, computed once. Throws a plain message (the caller collects it) when a value cannot fit. */
export function buildBaseEnv(input: BaseEnvInput): Record<string, string> {
  const { instance, parentEnv } = input;
  const env: Record<string, string> = {};
  for (const name of BASE_ENV_NAMES) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  if (env.LANG === undefined && env.LC_ALL === undefined) env.LANG = DEFAULT_LANG;
  for (const name of input.passEnv) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, input.extraEnv);
  env[EnvVar.Tenant] = instance.tenant;
  env[EnvVar.Namespace] = instance.namespace;
  env[EnvVar.Name] = instance.name;
  env[EnvVar.Fqfn] = `${instance.tenant}/${instance.namespace}/${instance.name}`;
  env[EnvVar.InstanceId] = String(instance.instanceId);
  env[EnvVar.NumInstances] = String(instance.numInstances);
  env[EnvVar.UserConfig] = JSON.stringify(instance.userConfig ?? {});
  env[EnvVar.InputTopics] = instance.inputTopics.join(',');
  if (instance.topicsPattern) env[EnvVar.InputTopicsPattern] = instance.topicsPattern;
  if (instance.outputTopic) env[EnvVar.OutputTopic] = instance.outputTopic;
  env[EnvVar.ControlFd] = String(CONTROL_FD);
  env[EnvVar.Lib] = input.helperLibraryPath;
  env[EnvVar.ExitPermanent] = String(input.permanentExitCode);
  for (const [name, value] of Object.entries(env)) {
    const problem = envValueProblem(name, value);
    if (problem !== undefined) throw new Error(problem);
  }
  return env;
}

export type InvocationEnv = { readonly env: Record<string, string> } | { readonly problem: string };

/** The base plus the message's metadata; a problem when a value cannot be an environment variable. */
export function invocationEnv(base: Readonly<Record<string, string>>, invocation: Invocation): InvocationEnv {
  const env: Record<string, string> = { ...base };
  env[EnvVar.MessageId] = invocation.messageId;
  env[EnvVar.MessageTopic] = invocation.topic;
  env[EnvVar.MessagePublishTime] = String(invocation.publishTime);
  if (invocation.eventTime !== undefined) env[EnvVar.MessageEventTime] = String(invocation.eventTime);
  env[EnvVar.MessageRedeliveryCount] = String(invocation.redeliveryCount);
  env[EnvVar.MessageProperties] = JSON.stringify(invocation.properties);
  env[EnvVar.MessageSize] = String(invocation.payload.byteLength);
  const { key } = invocation;
  if (key !== undefined) {
    env[EnvVar.MessageKeyBase64] = Buffer.from(key, 'utf8').toString('base64');
    // An environment string ends at its first NUL; such a key is only available as base64.
    if (!key.includes('\0')) env[EnvVar.MessageKey] = key;
  }
  for (const name of MESSAGE_VARIABLES) {
    const value = env[name];
    if (value === undefined) continue;
    const problem = envValueProblem(name, value);
    if (problem !== undefined) return { problem };
  }
  return { env };
}

const MESSAGE_VARIABLES: readonly string[] = [
  EnvVar.MessageId,
  EnvVar.MessageKey,
  EnvVar.MessageKeyBase64,
  EnvVar.MessageTopic,
  EnvVar.MessageProperties,
];

function envValueProblem(name: string, value: string): string | undefined {
  if (value.includes('\0')) return `${name} contains a NUL byte, which an environment variable cannot hold`;
  // `NAME=value` plus the terminating NUL.
  const size = name.length + 2 + Buffer.byteLength(value, 'utf8');
  if (size > MAX_ARG_STRLEN) {
    return `${name} is ${size} bytes as an environment string, over Linux's limit of ${MAX_ARG_STRLEN} (MAX_ARG_STRLEN)`;
  }
  return undefined;
}
