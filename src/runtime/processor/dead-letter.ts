// The dead-letter message: the input's payload, key, ordering key, properties and event time unchanged, plus
// properties saying where it came from and why it failed. Pure.
import type { Message, OutgoingMessage } from '../../pulsar/index.ts';
import type { Failure } from './failure.ts';

/** Property names added to a dead-lettered message. */
export const DeadLetterProperty = {
  /** The names Apache's Java client gives its dead-letter messages, for tools that read them. */
  RealTopic: 'REAL_TOPIC',
  OriginMessageId: 'ORIGIN_MESSAGE_ID',
  Fqfn: 'pf-bash.fqfn',
  InstanceId: 'pf-bash.instance-id',
  OriginalTopic: 'pf-bash.original-topic',
  OriginalMessageId: 'pf-bash.original-message-id',
  OriginalPublishTime: 'pf-bash.original-publish-time',
  RedeliveryCount: 'pf-bash.redelivery-count',
  /** A FailureCode (`exit-code`, `timeout`, `publish-failed`, …): what to branch on. */
  Failure: 'pf-bash.failure',
  /** One line for people. */
  Reason: 'pf-bash.reason',
  /** Only when the script exited by itself. */
  ExitCode: 'pf-bash.exit-code',
  /** Only when a signal ended the script. */
  Signal: 'pf-bash.signal',
  StderrTail: 'pf-bash.stderr-tail',
} as const;

export interface DeadLetterContext {
  readonly fqfn: string;
  readonly instanceId: number;
  /** Runs so far minus one: the broker's redelivery count plus retries inside the instance. */
  readonly redeliveryCount: number;
}

export function deadLetterMessage(
  message: Message,
  failure: Failure,
  context: DeadLetterContext,
): OutgoingMessage {
  const id = message.messageId.toString();
  const P = DeadLetterProperty;
  const why: Record<string, string> = {
    [P.RealTopic]: message.topic,
    [P.OriginMessageId]: id,
    [P.Fqfn]: context.fqfn,
    [P.InstanceId]: String(context.instanceId),
    [P.OriginalTopic]: message.topic,
    [P.OriginalMessageId]: id,
    [P.OriginalPublishTime]: String(message.publishTime),
    [P.RedeliveryCount]: String(context.redeliveryCount),
    [P.Failure]: failure.code,
    [P.Reason]: failure.reason,
    [P.StderrTail]: failure.stderrTail,
  };
  if (failure.exitCode !== undefined) why[P.ExitCode] = String(failure.exitCode);
  if (failure.signal !== undefined) why[P.Signal] = failure.signal;
  const out: OutgoingMessage = { payload: message.payload, properties: { ...message.properties, ...why } };
  if (message.key !== undefined) out.key = message.key;
  if (message.orderingKey !== undefined) out.orderingKey = message.orderingKey;
  if (message.eventTime !== undefined) out.eventTime = message.eventTime;
  return out;
}
