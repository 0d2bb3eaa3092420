// Default values, and the defaults derived from other settings the way Pulsar Functions derive them.
import { namespaceOf, withoutPartitionSuffix } from './topic-name.ts';
import {
  type FunctionRuntimeConfig,
  InitialPosition,
  LogLevel,
  ProcessingGuarantees,
  StreamCodec,
  SubscriptionType,
} from './types.ts';

export const DEFAULTS = {
  serviceUrl: 'pulsar://127.0.0.1:6650',
  tenant: 'public',
  namespace: 'default',
  numInstances: 1,
  processingGuarantees: ProcessingGuarantees.AtLeastOnce,
  subscriptionPosition: InitialPosition.Latest,
  /** Reached after 1 + 3 runs; a script that means "never retry" exits with $PF_EXIT_PERMANENT instead. */
  maxMessageRetries: 3,
  /** Long enough for a transient failure to clear, short enough that 3 retries end in seconds, not minutes. */
  negativeAckRedeliveryDelayMs: 5_000,
  /** Room for a script that calls a slow service; a hung one frees its slot within half a minute. */
  timeoutMs: 30_000,
  killGraceMs: 5_000,
  /** Pulsar's Kubernetes runtime exposes function metrics on this port. */
  httpPort: 9094,
  /** Probes come from the kubelet, so listen on every interface of the pod. */
  httpHost: '0.0.0.0',
  /** The cluster label of metrics; Pulsar standalone's cluster name. */
  cluster: 'standalone',
  logLevel: LogLevel.Info,
  /** As long as a message may run, so that one started just before SIGTERM can finish. */
  drainTimeoutMs: 30_000,
  tlsAllowInsecureConnection: false,
  tlsValidateHostname: true,
  trimTrailingNewline: true,
  payloadAsArgument: false,
  forwardSourceMessageProperty: true,
  /** Text filters are the common case; binary payloads ask for length-prefixed explicitly. */
  streamCodec: StreamCodec.Lines,
  /** Enough to hide the round trip to a fast script; small enough that a restart retries few messages. */
  streamPipeline: 16,
  streamRestartBackoffMs: 100,
  streamRestartBackoffMaxMs: 10_000,
} as const;

/** `/fn/reverse.sh` → `reverse`: the file name without its extension. */
export function functionNameFromScript(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** `pf-public-default-reverse-2` → 2: a StatefulSet pod's ordinal; undefined when the name ends otherwise. */
export function ordinalOfHostname(hostname: string): number | undefined {
  const match = /-(\d+)$/.exec(hostname);
  const ordinal = match === null ? Number.NaN : Number(match[1]);
  return Number.isSafeInteger(ordinal) ? ordinal : undefined;
}

/** Pulsar Functions subscribe as `tenant/namespace/name`. */
export function defaultSubscriptionName(tenant: string, namespace: string, name: string): string {
  return `${tenant}/${namespace}/${name}`;
}

/**
 * As Pulsar Functions: Failover when order must be kept (retain ordering, or effectively-once), Key_Shared for
 * per-key order, Shared otherwise. Pulsar never uses Exclusive.
 */
export function defaultSubscriptionType(
  guarantees: ProcessingGuarantees,
  retainOrdering: boolean,
  retainKeyOrdering: boolean,
): SubscriptionType {
  if (retainOrdering || guarantees === ProcessingGuarantees.EffectivelyOnce) return SubscriptionType.Failover;
  return retainKeyOrdering ? SubscriptionType.KeyShared : SubscriptionType.Shared;
}

/**
 * The Java client's default, `<topic>-<subscription>-DLQ`, with the slashes of the subscription replaced by
 * dashes: Pulsar's own default subscription `tenant/namespace/name` would otherwise make an invalid topic name.
 */
export function defaultDeadLetterTopic(inputTopic: string, subscriptionName: string): string {
  return `${withoutPartitionSuffix(inputTopic)}-${subscriptionName.replaceAll('/', '-')}-DLQ`;
}

/**
 * With a topics pattern the inputs are not known in advance, and `<input>-…-DLQ` would usually match the pattern
 * itself; one topic in the pattern's namespace serves every input instead.
 */
export function defaultPatternDeadLetterTopic(pattern: string, subscriptionName: string): string {
  return `${namespaceOf(pattern)}/${subscriptionName.replaceAll('/', '-')}-DLQ`;
}

/** Where a failed message from `inputTopic` is dead-lettered; null when the guarantees allow no dead-lettering. */
export function deadLetterTopicFor(config: FunctionRuntimeConfig, inputTopic: string): string | null {
  if (config.delivery.processingGuarantees !== ProcessingGuarantees.AtLeastOnce) return null;
  return config.delivery.deadLetterTopic ?? defaultDeadLetterTopic(inputTopic, config.input.subscriptionName);
}
