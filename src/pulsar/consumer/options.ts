// ConsumerOptions validated and completed once, before anything is sent: every later step reads the resolved
// form and never re-checks. Errors name the field and the reason (InvalidArgumentError).
import { InvalidArgumentError } from '../errors.ts';
import { type ConsumerOptions, InitialPosition, SubscriptionType } from '../types.ts';
import { fullTopicName, parseTopicPattern, type TopicPattern } from './topics.ts';

/** What the consumer subscribes to: fixed topics, or whatever a pattern matches in one namespace. */
export type ConsumerTarget =
  | { readonly kind: 'topics'; readonly topics: readonly string[] }
  | { readonly kind: 'pattern'; readonly pattern: TopicPattern };

export interface ResolvedConsumerOptions {
  readonly target: ConsumerTarget;
  readonly subscription: string;
  readonly subscriptionType: SubscriptionType;
  readonly initialPosition: InitialPosition;
  readonly receiverQueueSize: number;
  readonly consumerName: string | undefined;
  readonly negativeAckRedeliveryDelayMs: number;
  readonly maxPendingChunkedMessages: number;
  readonly onActiveChange: ConsumerOptions['onActiveChange'];
  readonly properties: Readonly<Record<string, string>>;
  readonly batchIndexAckEnabled: boolean;
  /** How often partition counts and pattern matches are checked again. */
  readonly discoveryIntervalMs: number;
}

export const consumerDefaults = {
  subscriptionType: SubscriptionType.Exclusive,
  initialPosition: InitialPosition.Latest,
  receiverQueueSize: 1000,
  negativeAckRedeliveryDelayMs: 60_000,
  maxPendingChunkedMessages: 10,
  discoveryIntervalMs: 60_000,
  // On, unlike Apache's clients: a function re-running a message has a cost, and partial acks only help; a
  // broker without acknowledgmentAtBatchIndexLevelEnabled ignores them (same behaviour as off).
  batchIndexAckEnabled: true,
} as const;

// FLOW permits travel as uint32; Java caps the queue the same way.
const maxQueueSize = 0x7fff_ffff;

function show(value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return `\`${JSON.stringify(value) ?? String(value)}\``;
  } catch {
    return `\`${String(value)}\``;
  }
}

function integerIn(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const what = min === 0 ? 'a non-negative integer' : `an integer from ${min}`;
    throw new InvalidArgumentError(field, `expected ${what} up to ${max}, got ${show(value)}`);
  }
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, values: Record<string, T>, fallback: T): T {
  if (value === undefined) return fallback;
  const allowed = Object.values(values);
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidArgumentError(field, `expected one of ${allowed.join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

function booleanIn(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidArgumentError(field, `expected a boolean, got ${show(value)}`);
  return value;
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgumentError(field, `expected a non-empty string, got ${show(value)}`);
  }
  return value;
}

function resolveTarget(options: ConsumerOptions): ConsumerTarget {
  const given = (['topic', 'topics', 'topicsPattern'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none' : given.join(' and ');
    throw new InvalidArgumentError('topic', `give exactly one of topic, topics or topicsPattern, got ${got}`);
  }
  if (options.topic !== undefined) {
    return { kind: 'topics', topics: [fullTopicName('topic', nonEmptyString('topic', options.topic))] };
  }
  if (options.topics !== undefined) {
    if (!Array.isArray(options.topics) || options.topics.length === 0) {
      throw new InvalidArgumentError(
        'topics',
        `expected a non-empty array of topic names, got ${show(options.topics)}`,
      );
    }
    const topics = options.topics.map((t, i) =>
      fullTopicName(`topics[${i}]`, nonEmptyString(`topics[${i}]`, t)),
    );
    return { kind: 'topics', topics: [...new Set(topics)] };
  }
  const source = nonEmptyString('topicsPattern', options.topicsPattern);
  return { kind: 'pattern', pattern: parseTopicPattern('topicsPattern', source) };
}

function resolveProperties(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('properties', `expected an object of string values, got ${show(value)}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new InvalidArgumentError(`properties.${key}`, `expected a string, got ${show(v)}`);
    }
  }
  return Object.freeze({ ...(value as Record<string, string>) });
}

export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', `expected an object, got ${show(options)}`);
  }
  const target = resolveTarget(options);
  const subscription = nonEmptyString('subscription', options.subscription);
  if (options.onActiveChange !== undefined && typeof options.onActiveChange !== 'function') {
    throw new InvalidArgumentError(
      'onActiveChange',
      `expected a function, got ${show(options.onActiveChange)}`,
    );
  }
  return {
    target,
    subscription,
    subscriptionType: oneOf(
      'subscriptionType',
      options.subscriptionType,
      SubscriptionType,
      consumerDefaults.subscriptionType,
    ),
    initialPosition: oneOf(
      'subscriptionInitialPosition',
      options.subscriptionInitialPosition,
      InitialPosition,
      consumerDefaults.initialPosition,
    ),
    receiverQueueSize: integerIn(
      'receiverQueueSize',
      options.receiverQueueSize,
      consumerDefaults.receiverQueueSize,
      1,
      maxQueueSize,
    ),
    consumerName:
      options.consumerName === undefined ? undefined : nonEmptyString('consumerName', options.consumerName),
    negativeAckRedeliveryDelayMs: integerIn(
      'negativeAckRedeliveryDelayMs',
      options.negativeAckRedeliveryDelayMs,
      consumerDefaults.negativeAckRedeliveryDelayMs,
      0,
      // setTimeout's limit: a longer delay would fire at once.
      0x7fff_ffff,
    ),
    maxPendingChunkedMessages: integerIn(
      'maxPendingChunkedMessages',
      options.maxPendingChunkedMessages,
      consumerDefaults.maxPendingChunkedMessages,
      1,
      maxQueueSize,
    ),
    onActiveChange: options.onActiveChange,
    properties: resolveProperties(options.properties),
    batchIndexAckEnabled: booleanIn(
      'batchIndexAckEnabled',
      options.batchIndexAckEnabled,
      consumerDefaults.batchIndexAckEnabled,
    ),
    discoveryIntervalMs: consumerDefaults.discoveryIntervalMs,
  };
}

/** Cumulative acknowledgement needs one consumer per subscription seeing messages in order. */
export function allowsCumulativeAck(type: SubscriptionType): boolean {
  return type === SubscriptionType.Exclusive || type === SubscriptionType.Failover;
}

/** On these types the broker redelivers everything unacknowledged, whatever ids a redelivery request names. */
export function redeliversEverything(type: SubscriptionType): boolean {
  return type === SubscriptionType.Exclusive || type === SubscriptionType.Failover;
}
