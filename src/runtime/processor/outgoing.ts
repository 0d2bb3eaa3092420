// What a successful run publishes: the output (stdout) to the output topic or where the script routed it, then
// every extra message, in the order the script sent them. Pure.
import type { OutgoingMessage } from '../../pulsar/index.ts';
import { normaliseTopicName } from '../config/index.ts';
import type { InvocationResult } from '../function-executor/index.ts';

export interface PlannedMessage {
  /** Full topic name. */
  readonly topic: string;
  readonly message: OutgoingMessage;
}

/** The script named a topic that is not a valid topic name. */
export class RoutingError extends Error {
  readonly topic: string;
  constructor(topic: string, expected: string) {
    super(`the script routed a message to ${JSON.stringify(topic)}: ${expected}`);
    this.name = 'RoutingError';
    this.topic = topic;
  }
}

/**
 * The executor already resolved the output's key, properties and event time (the input's unless the script
 * changed them). Empty stdout gives no output (a filter); so does a function without an output topic, unless
 * the script routed the output somewhere.
 */
export function plannedMessages(result: InvocationResult, outputTopic: string | null): PlannedMessage[] {
  const planned: PlannedMessage[] = [];
  const { output } = result;
  if (output !== undefined) {
    const topic = output.topic === undefined ? outputTopic : fullTopic(output.topic);
    if (topic !== null) {
      planned.push({
        topic,
        message: message(output.payload, output.key, output.properties, output.eventTime),
      });
    }
  }
  for (const extra of result.extraMessages) {
    planned.push({
      topic: fullTopic(extra.topic),
      message: message(extra.payload, extra.key, extra.properties, undefined),
    });
  }
  return planned;
}

function fullTopic(name: string): string {
  const parsed = normaliseTopicName(name);
  if (!parsed.ok) throw new RoutingError(name, parsed.expected);
  return parsed.value;
}

function message(
  payload: Uint8Array,
  key: string | undefined,
  properties: Readonly<Record<string, string>>,
  eventTime: number | undefined,
): OutgoingMessage {
  const out: OutgoingMessage = { payload, properties: { ...properties } };
  if (key !== undefined) out.key = key;
  if (eventTime !== undefined) out.eventTime = eventTime;
  return out;
}
