// What goes into one run of the function and what comes out of it, whatever the execution mode.
// docs/script-contract.md describes how a bash script sees these values.

/** One message handed to the function. */
export interface Invocation {
  /** The message payload, exactly as produced. */
  readonly payload: Uint8Array;
  /** The message id as a string (e.g. `ledger:entry:partition:batchIndex`). */
  readonly messageId: string;
  /** undefined when the message has no key. */
  readonly key: string | undefined;
  /** Full name of the topic (partition) the message came from. */
  readonly topic: string;
  /** Milliseconds since the epoch. */
  readonly publishTime: number;
  /** Milliseconds since the epoch; undefined when the producer set none. */
  readonly eventTime: number | undefined;
  readonly redeliveryCount: number;
  readonly properties: Readonly<Record<string, string>>;
}

/** The values that stay the same for every message of this function instance. */
export interface FunctionInstance {
  readonly tenant: string;
  readonly namespace: string;
  readonly name: string;
  /** 0 ≤ instanceId < numInstances. */
  readonly instanceId: number;
  readonly numInstances: number;
  /** Full names of the input topics; empty when a topics pattern is used instead. */
  readonly inputTopics: readonly string[];
  /** The topics pattern, when the inputs are given by one. */
  readonly topicsPattern?: string | null;
  /** The default output topic; null when the function has none. */
  readonly outputTopic: string | null;
  readonly userConfig: Readonly<Record<string, unknown>>;
}

export const Outcome = {
  Success: 'success',
  /** Retriable: the message is negatively acknowledged and redelivered (until the retry limit). */
  Failure: 'failure',
  /** Not worth retrying: the message goes to the dead-letter topic now. */
  PermanentFailure: 'permanent-failure',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Why a run failed; callers branch on this, never on `reason`'s text. */
export const FailureCode = {
  /** The script exited with a non-zero code other than the permanent one. */
  ExitCode: 'exit-code',
  /** The script exited with the permanent-failure code (PF_EXIT_PERMANENT). */
  PermanentExitCode: 'permanent-exit-code',
  /** The script died from a signal it was not sent by the runtime. */
  Signal: 'signal',
  Timeout: 'timeout',
  /** The caller's AbortSignal fired (shutdown). */
  Aborted: 'aborted',
  OutputTooLarge: 'output-too-large',
  ControlTooLarge: 'control-too-large',
  ControlMalformed: 'control-malformed',
  /** payloadAsArgument is on and the payload cannot be an argument (NUL, size, not UTF-8). */
  PayloadNotPassable: 'payload-not-passable',
  /** A metadata value cannot be an environment variable (NUL byte, size), or the kernel refused (E2BIG). */
  MetadataNotPassable: 'metadata-not-passable',
  /** bash could not be started, or the runtime failed around it (e.g. no temporary directory). */
  SpawnFailed: 'spawn-failed',
  /** Stream mode: the script answered this message with a failure (`fail` or `fail-permanent`). */
  FailureReply: 'failure-reply',
  /** Stream mode: the script's replies broke the framing; its process was restarted. */
  StreamProtocol: 'stream-protocol',
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

/** The result message. Key, properties and event time are already resolved (inherited unless the script set them). */
export interface OutputMessage {
  /** undefined: the function's output topic. */
  readonly topic: string | undefined;
  readonly payload: Uint8Array;
  readonly key: string | undefined;
  readonly properties: Readonly<Record<string, string>>;
  readonly eventTime: number | undefined;
}

/** A message the script published with pf_publish; it inherits nothing from the input. */
export interface ExtraMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly key: string | undefined;
  readonly properties: Readonly<Record<string, string>>;
}

export const ScriptLogLevel = { Debug: 'debug', Info: 'info', Warn: 'warn', Error: 'error' } as const;
export type ScriptLogLevel = (typeof ScriptLogLevel)[keyof typeof ScriptLogLevel];

/** One shape for success and failure. Only a success carries messages to publish. */
export interface InvocationResult {
  readonly outcome: Outcome;
  /** undefined when the script did not exit by itself (signal) or never started. */
  readonly exitCode: number | undefined;
  /** The signal that ended the script, e.g. `SIGTERM`. */
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  /** The caller's AbortSignal ended the run. */
  readonly aborted: boolean;
  readonly durationMs: number;
  /** undefined when stdout was empty (the message is filtered) or the run failed. */
  readonly output: OutputMessage | undefined;
  /** Empty unless the run succeeded. */
  readonly extraMessages: readonly ExtraMessage[];
  /** The last lines of stderr (bounded), for failure reports and dead-letter properties. */
  readonly stderrTail: string;
  /** Set when outcome is not success. */
  readonly failureCode?: FailureCode;
  /** A one-line explanation, set when outcome is not success. */
  readonly reason?: string;
}

/**
 * Runs the function once per message. Implementations never reject: every failure is a result.
 * Concurrency is the caller's (the TopicManager's pool); an executor may be called concurrently.
 */
export interface FunctionExecutor {
  run(invocation: Invocation, signal?: AbortSignal): Promise<InvocationResult>;
  /**
   * Optional, for executors that keep processes (stream mode): false while none is up to take messages, so
   * the instance reports not ready. Absent: always ready.
   */
  readonly ready?: boolean;
  /** Optional: finishes the work in flight, then stops what the executor keeps running. Idempotent. */
  close?(): Promise<void>;
}
