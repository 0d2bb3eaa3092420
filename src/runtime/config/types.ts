// The typed configuration of one function instance, and the problems found while building it from the
// environment (and an optional Pulsar FunctionConfig YAML file). docs/configuration.md describes every setting.
import type { InitialPosition, SubscriptionType } from '../../pulsar/types.ts';

// Subscription type and initial position are the client's own, so the runtime passes them through unchanged.
export { InitialPosition, SubscriptionType } from '../../pulsar/types.ts';

export const ProcessingGuarantees = {
  AtLeastOnce: 'ATLEAST_ONCE',
  AtMostOnce: 'ATMOST_ONCE',
  EffectivelyOnce: 'EFFECTIVELY_ONCE',
} as const;
export type ProcessingGuarantees = (typeof ProcessingGuarantees)[keyof typeof ProcessingGuarantees];

/** pino's levels. */
export const LogLevel = {
  Fatal: 'fatal',
  Error: 'error',
  Warn: 'warn',
  Info: 'info',
  Debug: 'debug',
  Trace: 'trace',
  Silent: 'silent',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/**
 * How the script is run: `exec` forks it once per message; `stream` starts it once per pool slot and exchanges
 * framed messages with it over stdin/stdout for its whole life.
 */
export const ExecutionMode = { Exec: 'exec', Stream: 'stream' } as const;
export type ExecutionMode = (typeof ExecutionMode)[keyof typeof ExecutionMode];

/** Stream mode's framing on stdin/stdout (docs/script-contract.md, "Stream mode"). */
export const StreamCodec = { Lines: 'lines', LengthPrefixed: 'length-prefixed' } as const;
export type StreamCodec = (typeof StreamCodec)[keyof typeof StreamCodec];

/** How the instance authenticates to the broker. A token file is re-read by the client on every connect. */
export type BrokerAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'tokenFile'; readonly path: string };

export interface FunctionIdentity {
  readonly tenant: string;
  readonly namespace: string;
  readonly name: string;
  /** `tenant/namespace/name`. */
  readonly fqfn: string;
  /** 0 ≤ instanceId < numInstances. */
  readonly instanceId: number;
  readonly numInstances: number;
}

/** Field names follow the client's ClientOptions. */
export interface BrokerConfig {
  readonly serviceUrl: string;
  readonly auth: BrokerAuth;
  readonly tlsTrustCertsFilePath: string | null;
  readonly tlsAllowInsecureConnection: boolean;
  readonly tlsValidateHostname: boolean;
}

/** Exactly one of `topics` (non-empty) and `topicsPattern` (non-null) is set. */
export interface InputConfig {
  /** Full topic names (`persistent://tenant/namespace/topic`), without duplicates. */
  readonly topics: readonly string[];
  /** A regular expression over full topic names of one namespace, matched against the whole name. */
  readonly topicsPattern: string | null;
  readonly subscriptionName: string;
  readonly subscriptionType: SubscriptionType;
  readonly subscriptionPosition: InitialPosition;
}

export interface OutputConfig {
  /** Full topic name; null when the function has no output topic (stdout is then discarded). */
  readonly topic: string | null;
  /** The output message carries the input's properties (Pulsar's forwardSourceMessageProperty). */
  readonly forwardSourceMessageProperty: boolean;
  /** Remove one trailing `\n` from stdout before publishing it. */
  readonly trimTrailingNewline: boolean;
}

export interface DeliveryConfig {
  readonly processingGuarantees: ProcessingGuarantees;
  readonly retainOrdering: boolean;
  readonly retainKeyOrdering: boolean;
  /**
   * Redeliveries of a failed message before it is dead-lettered (so at most 1 + this many runs); null means no
   * limit. Always null unless the guarantees are ATLEAST_ONCE.
   */
  readonly maxMessageRetries: number | null;
  /**
   * The dead-letter topic when one topic serves every input (set explicitly, or the default of a topics
   * pattern); null otherwise. Ask deadLetterTopicFor() for the topic of a given input.
   */
  readonly deadLetterTopic: string | null;
  readonly negativeAckRedeliveryDelayMs: number;
}

export interface ScriptConfig {
  readonly path: string;
  /** Also pass the payload as `$1` (compatibility with scripts that read an argument). */
  readonly payloadAsArgument: boolean;
  /** Per message; the script's process group is killed when it runs longer. null means no limit. */
  readonly timeoutMs: number | null;
  /** Between SIGTERM and SIGKILL when a script is killed. */
  readonly killGraceMs: number;
}

/** Stream mode's settings; present only when the mode is `stream`. */
export interface StreamConfig {
  readonly codec: StreamCodec;
  /** Messages written to one script process before its replies come back. */
  readonly pipeline: number;
  /** Delay before restarting a script process that exited without answering; doubles up to the max. */
  readonly restartBackoffMs: number;
  readonly restartBackoffMaxMs: number;
}

export interface PoolConfig {
  /** Scripts running at once (stream mode: script processes, each with up to `pipeline` messages). */
  readonly concurrency: number;
  /** Messages held by the instance, queued and running; bounds what the consumer asks the broker for. */
  readonly maxPending: number;
}

export interface FunctionRuntimeConfig {
  readonly mode: ExecutionMode;
  /** null unless the mode is `stream`. */
  readonly stream: StreamConfig | null;
  readonly function: FunctionIdentity;
  readonly broker: BrokerConfig;
  readonly input: InputConfig;
  readonly output: OutputConfig;
  readonly logTopic: string | null;
  readonly delivery: DeliveryConfig;
  readonly script: ScriptConfig;
  readonly pool: PoolConfig;
  /** JSON object handed to the script. */
  readonly userConfig: Readonly<Record<string, unknown>>;
  readonly httpPort: number;
  /** Address the HTTP endpoints listen on. */
  readonly httpHost: string;
  /** Pulsar cluster name, used as the `cluster` label of metrics. */
  readonly cluster: string;
  readonly logLevel: LogLevel;
  /** How long shutdown waits for running scripts before killing them. */
  readonly drainTimeoutMs: number;
  /** The Pulsar FunctionConfig YAML file the settings were read from, if any. */
  readonly functionConfigFile: string | null;
}

/** One bad (or, as a warning, ignored) setting. formatProblem() renders it as one line. */
export interface ConfigProblem {
  /** `PF_CONCURRENCY`, or `<file>: <key>` for a key of the FunctionConfig file. */
  readonly setting: string;
  /** The value as given (secrets replaced by `<redacted>`); undefined when the setting is missing. */
  readonly value: string | undefined;
  /** What is expected, or why the value cannot be used. */
  readonly message: string;
}

export type LoadConfigResult =
  | {
      readonly ok: true;
      readonly config: FunctionRuntimeConfig;
      /** Settings that were ignored (to be logged at start). */
      readonly warnings: readonly ConfigProblem[];
    }
  | {
      readonly ok: false;
      readonly problems: readonly ConfigProblem[];
      readonly warnings: readonly ConfigProblem[];
    };

/** Reads a whole file as UTF-8 text; undefined when it is missing, a directory or not readable. */
export type ReadFile = (path: string) => string | undefined;

export interface LoadConfigOptions {
  /** CPUs available to the process (the caller passes `os.availableParallelism()`); default 1. */
  readonly cpuCount?: number;
}
