// What the instance consumes and writes, and how: topics, subscription, guarantees, ordering, retries, pool size.
import {
  DEFAULTS,
  defaultPatternDeadLetterTopic,
  defaultSubscriptionName,
  defaultSubscriptionType,
} from './defaults.ts';
import type { Settings } from './settings.ts';
import { checkTopics } from './topic-checks.ts';
import { normaliseTopicName, normaliseTopicsPattern } from './topic-name.ts';
import {
  type DeliveryConfig,
  type FunctionIdentity,
  InitialPosition,
  type InputConfig,
  type PoolConfig,
  ProcessingGuarantees,
  SubscriptionType,
} from './types.ts';
import { type Parsed, parseBoolean, parseEnum, parseInteger, splitList } from './values.ts';

export interface Delivery {
  readonly input: InputConfig;
  readonly output: string | null;
  readonly logTopic: string | null;
  readonly delivery: DeliveryConfig;
  readonly pool: PoolConfig;
}

const GUARANTEES = Object.values(ProcessingGuarantees);
const TYPES = Object.values(SubscriptionType);
const TYPE_LABELS = ['Exclusive', 'Shared', 'Failover', 'Key_Shared'];
const POSITIONS = Object.values(InitialPosition);
const ORDERED_TYPES: readonly SubscriptionType[] = [SubscriptionType.Failover, SubscriptionType.Exclusive];

function parseGuarantees(text: string): Parsed<ProcessingGuarantees> {
  if (text.toUpperCase() === 'MANUAL') {
    const expected =
      "not supported: the script's exit code decides the acknowledgement; expected ATLEAST_ONCE, ATMOST_ONCE or EFFECTIVELY_ONCE";
    return { ok: false, expected };
  }
  return parseEnum(text, GUARANTEES);
}

const parseRetries = (text: string): Parsed<number> =>
  /^(-1|\+?\d+)$/.test(text) && Number.isSafeInteger(Number(text))
    ? { ok: true, value: Number(text) }
    : { ok: false, expected: 'expected a non-negative integer, or -1 for no limit' };

const topic = (s: Settings, name: string): string | null | undefined =>
  s.value<string | null>(name, normaliseTopicName, null);

/** The settings that decide order and acknowledgement; other settings are checked against them. */
interface Ordering {
  readonly guarantees: ProcessingGuarantees;
  readonly retainOrdering: boolean;
  readonly retainKeyOrdering: boolean;
}

export function readDelivery(
  s: Settings,
  identity: FunctionIdentity | undefined,
  cpuCount: number,
  /** Stream mode's pipeline depth; undefined in exec mode. */
  pipeline: number | undefined,
): Delivery | undefined {
  const inputs = readInputs(s);
  const output = topic(s, 'PF_OUTPUT');
  const logTopic = topic(s, 'PF_LOG_TOPIC');
  const explicitDeadLetter = topic(s, 'PF_DEAD_LETTER_TOPIC');
  const fqfn = identity && defaultSubscriptionName(identity.tenant, identity.namespace, identity.name);
  const subscriptionName = s.value('PF_SUBSCRIPTION_NAME', (t) => ({ ok: true, value: t }), fqfn);
  const position = s.value(
    'PF_SUBSCRIPTION_POSITION',
    (t) => parseEnum(t, POSITIONS),
    DEFAULTS.subscriptionPosition,
  );
  const ordering = readOrdering(s);
  const subscriptionType = readSubscriptionType(s, ordering);
  const retries = readRetries(s, ordering);
  const pool = readPool(s, ordering, cpuCount, pipeline);
  const nackDelay = s.value(
    'PF_NEGATIVE_ACK_DELAY_MS',
    (t) => parseInteger(t, 0),
    DEFAULTS.negativeAckRedeliveryDelayMs,
  );

  const atLeastOnce = ordering?.guarantees === ProcessingGuarantees.AtLeastOnce;
  const patternDeadLetter =
    atLeastOnce && inputs?.pattern && subscriptionName && explicitDeadLetter === null
      ? defaultPatternDeadLetterTopic(inputs.pattern, subscriptionName)
      : null;
  if (
    inputs === undefined ||
    output === undefined ||
    logTopic === undefined ||
    explicitDeadLetter === undefined
  ) {
    return undefined;
  }
  checkTopics(s, {
    inputs: inputs.topics,
    pattern: inputs.pattern,
    output,
    logTopic,
    deadLetterTopic: explicitDeadLetter,
    defaultPatternDeadLetterTopic: patternDeadLetter,
  });
  if (ordering === undefined || subscriptionName === undefined || position === undefined) return undefined;
  if (
    subscriptionType === undefined ||
    retries === undefined ||
    pool === undefined ||
    nackDelay === undefined
  ) {
    return undefined;
  }
  return {
    input: {
      topics: inputs.topics,
      topicsPattern: inputs.pattern,
      subscriptionName,
      subscriptionType,
      subscriptionPosition: position,
    },
    output,
    logTopic,
    delivery: {
      processingGuarantees: ordering.guarantees,
      retainOrdering: ordering.retainOrdering,
      retainKeyOrdering: ordering.retainKeyOrdering,
      maxMessageRetries: retries,
      deadLetterTopic: atLeastOnce ? (explicitDeadLetter ?? patternDeadLetter) : null,
      negativeAckRedeliveryDelayMs: nackDelay,
    },
    pool,
  };
}

/**
 * Stream mode's outputs waiting for their receipts: at 20,000 messages a second and about 12 ms from a script's
 * reply to the receipt (10 of them producer batching), some 250 messages are in that state at any time.
 */
const STREAM_PUBLISHING = 256;
/**
 * The same for exec mode, which runs some hundreds of messages a second: at 1,000 a second about 12 are waiting
 * for receipts. Without this room the pool idled while outputs waited (2 × 2 held at C = 2 kept exec mode at
 * 170–190 msgs/s, docs/benchmarks.md). Not added when order matters: each message of the one chain
 * starts only once the previous one is settled, so there is nothing to overlap.
 */
const EXEC_PUBLISHING = 16;

function readOrdering(s: Settings): Ordering | undefined {
  const guarantees = s.value('PF_PROCESSING_GUARANTEES', parseGuarantees, DEFAULTS.processingGuarantees);
  const retainOrdering = s.value('PF_RETAIN_ORDERING', parseBoolean, false);
  const retainKeyOrdering = s.value('PF_RETAIN_KEY_ORDERING', parseBoolean, false);
  if (retainOrdering === undefined || retainKeyOrdering === undefined) return undefined;
  if (retainOrdering && retainKeyOrdering) {
    s.problem(
      'PF_RETAIN_KEY_ORDERING',
      `conflicts with ${s.reference('PF_RETAIN_ORDERING', true)}; set only one`,
    );
    return undefined;
  }
  if (guarantees === undefined) return undefined;
  if (retainKeyOrdering && guarantees === ProcessingGuarantees.EffectivelyOnce) {
    const mode = s.reference('PF_PROCESSING_GUARANTEES', guarantees);
    s.problem(
      'PF_RETAIN_KEY_ORDERING',
      `not allowed with ${mode}, which keeps every message in order already`,
    );
    return undefined;
  }
  return { guarantees, retainOrdering, retainKeyOrdering };
}

/** Exactly one of PF_INPUTS and PF_TOPICS_PATTERN. */
function readInputs(s: Settings): { topics: string[]; pattern: string | null } | undefined {
  const list = s.text('PF_INPUTS');
  const pattern = s.text('PF_TOPICS_PATTERN');
  if (list !== undefined && pattern !== undefined) {
    s.problem('PF_TOPICS_PATTERN', `conflicts with ${s.reference('PF_INPUTS', list)}; set only one`);
    return undefined;
  }
  if (pattern !== undefined) {
    const normalised = s.value<string | null>('PF_TOPICS_PATTERN', normaliseTopicsPattern, null);
    return normalised === undefined ? undefined : { topics: [], pattern: normalised };
  }
  if (list === undefined) {
    s.problem('PF_INPUTS', 'missing: expected a comma list of input topics (or PF_TOPICS_PATTERN)');
    return undefined;
  }
  const topics = new Set<string>();
  for (const item of splitList(list)) {
    const parsed = normaliseTopicName(item);
    if (!parsed.ok) {
      s.problem('PF_INPUTS', `${JSON.stringify(item)}: ${parsed.expected}`);
      return undefined;
    }
    topics.add(parsed.value);
  }
  if (topics.size === 0) {
    s.problem('PF_INPUTS', 'expected a comma list of input topics');
    return undefined;
  }
  return { topics: [...topics], pattern: null };
}

/** PF_SUBSCRIPTION_TYPE overrides the type Pulsar would derive, provided it keeps the order asked for. */
function readSubscriptionType(s: Settings, ordering: Ordering | undefined): SubscriptionType | undefined {
  const derived =
    ordering &&
    defaultSubscriptionType(ordering.guarantees, ordering.retainOrdering, ordering.retainKeyOrdering);
  const type = s.value('PF_SUBSCRIPTION_TYPE', (t) => parseEnum(t, TYPES, TYPE_LABELS), derived);
  if (type === undefined || ordering === undefined || !s.isSet('PF_SUBSCRIPTION_TYPE')) return type;
  const conflict = (setting: string, value: unknown, needs: string): undefined => {
    s.problem('PF_SUBSCRIPTION_TYPE', `conflicts with ${s.reference(setting, value)}, which needs ${needs}`);
    return undefined;
  };
  const ordered = ORDERED_TYPES.includes(type);
  if (ordering.retainOrdering && !ordered)
    return conflict('PF_RETAIN_ORDERING', true, 'Failover or Exclusive');
  if (ordering.guarantees === ProcessingGuarantees.EffectivelyOnce && !ordered) {
    return conflict('PF_PROCESSING_GUARANTEES', ordering.guarantees, 'Failover or Exclusive');
  }
  if (ordering.retainKeyOrdering && type !== SubscriptionType.KeyShared && !ordered) {
    return conflict('PF_RETAIN_KEY_ORDERING', true, 'Key_Shared, Failover or Exclusive');
  }
  const numInstances = s.value('PF_NUM_INSTANCES', (t) => parseInteger(t, 1), DEFAULTS.numInstances);
  if (type === SubscriptionType.Exclusive && numInstances !== undefined && numInstances > 1) {
    const instances = s.reference('PF_NUM_INSTANCES', numInstances);
    s.problem(
      'PF_SUBSCRIPTION_TYPE',
      `conflicts with ${instances}: only one consumer can hold an Exclusive subscription`,
    );
    return undefined;
  }
  return type;
}

/** Retries (and dead-lettering) apply to at-least-once only, as Pulsar Functions decide. */
function readRetries(s: Settings, ordering: Ordering | undefined): number | null | undefined {
  const retries = s.value<number | null>('PF_MAX_MESSAGE_RETRIES', parseRetries, null);
  if (retries === undefined || ordering === undefined) return undefined;
  const { guarantees } = ordering;
  if (guarantees === ProcessingGuarantees.AtLeastOnce) {
    if (!s.isSet('PF_MAX_MESSAGE_RETRIES')) return DEFAULTS.maxMessageRetries;
    return retries === -1 ? null : retries;
  }
  const mode = s.reference('PF_PROCESSING_GUARANTEES', guarantees);
  const atMostOnce = guarantees === ProcessingGuarantees.AtMostOnce;
  const acked = 'messages are acknowledged before the script runs';
  if (retries !== null && retries >= 0) {
    s.problem(
      'PF_MAX_MESSAGE_RETRIES',
      atMostOnce
        ? `not used with ${mode}: ${acked}, so never retried`
        : `not allowed with ${mode} (as in Pulsar Functions): a message retried after later ones would be dropped by deduplication`,
    );
    return undefined;
  }
  if (s.isSet('PF_DEAD_LETTER_TOPIC') && !s.isInvalid('PF_DEAD_LETTER_TOPIC')) {
    s.problem(
      'PF_DEAD_LETTER_TOPIC',
      atMostOnce
        ? `not used with ${mode}: ${acked}, so never dead-lettered`
        : `not allowed with ${mode} (as in Pulsar Functions): messages are not dead-lettered`,
    );
    return undefined;
  }
  return null;
}

/**
 * One script at a time when order matters; otherwise one per CPU. Twice as many messages held as the scripts
 * run at once; in stream mode each process runs up to its pipeline depth. Outputs wait for their receipts (the
 * producer batches for up to 10 ms), so room for STREAM_PUBLISHING or EXEC_PUBLISHING more is added.
 */
function readPool(
  s: Settings,
  ordering: Ordering | undefined,
  cpuCount: number,
  pipeline: number | undefined,
): PoolConfig | undefined {
  const ordered =
    ordering !== undefined &&
    (ordering.retainOrdering || ordering.guarantees === ProcessingGuarantees.EffectivelyOnce);
  const fallback = ordered ? 1 : Math.max(1, Math.floor(cpuCount));
  const concurrency = s.value('PF_CONCURRENCY', (t) => parseInteger(t, 1), fallback);
  const running = (concurrency ?? fallback) * (pipeline ?? 1);
  const maxPending = s.value(
    'PF_MAX_PENDING',
    (t) => parseInteger(t, 1),
    2 * running + (pipeline !== undefined ? STREAM_PUBLISHING : ordered ? 0 : EXEC_PUBLISHING),
  );
  if (concurrency === undefined || maxPending === undefined || ordering === undefined) return undefined;
  if (ordered && concurrency > 1) {
    const reason = ordering.retainOrdering
      ? s.reference('PF_RETAIN_ORDERING', true)
      : s.reference('PF_PROCESSING_GUARANTEES', ordering.guarantees);
    s.problem('PF_CONCURRENCY', `expected 1 with ${reason}: messages run one at a time, in order`);
    return undefined;
  }
  if (maxPending < concurrency) {
    const running = s.reference('PF_CONCURRENCY', concurrency);
    s.problem('PF_MAX_PENDING', `expected at least ${running}: the messages held include the running ones`);
    return undefined;
  }
  return { concurrency, maxPending };
}
