// `pf-bash consume`: receives messages from a topic with pf-bash's own client, for trying a function, and prints
// them as JSON lines or as the payloads' exact bytes. A subscription it made up is removed again at the end.
import { randomBytes } from 'node:crypto';
import { type Consumer, InitialPosition, SubscriptionType } from '../pulsar/index.ts';
import {
  type CliIo,
  type CommandSpec,
  ExitCode,
  executeCommand,
  type ParsedArgs,
  processIo,
} from './args.ts';
import {
  brokerSettings,
  interruption,
  OUTPUT_FORMATS,
  OutputFormat,
  openClient,
  ReceiveEnd,
  receiveUntil,
  SERVICE_URL_OPTION,
  TOPIC_OPTION,
  topicOption,
  writeMessage,
} from './messages.ts';

const POSITIONS = { earliest: InitialPosition.Earliest, latest: InitialPosition.Latest } as const;
const TYPES = {
  exclusive: SubscriptionType.Exclusive,
  shared: SubscriptionType.Shared,
  failover: SubscriptionType.Failover,
  key_shared: SubscriptionType.KeyShared,
} as const;

export const CONSUME_SPEC: CommandSpec = {
  name: 'consume',
  synopsis: '--topic TOPIC [options]',
  description: `Receives messages from TOPIC with pf-bash's own Pulsar client and acknowledges them. --output json
prints one JSON object per message (topic, messageId, key, properties, eventTime, publishTime, payload when it is
UTF-8 text, payloadBase64); --output raw writes the payloads' bytes exactly, nothing added. Without
--subscription, a new one is made for this run and removed at the end.`,
  options: {
    topic: TOPIC_OPTION,
    'service-url': SERVICE_URL_OPTION,
    subscription: {
      type: 'string',
      value: 'NAME',
      description: 'a durable subscription to use (and keep)',
      defaultText: 'pf-bash-consume-<random>, removed at the end',
    },
    'subscription-type': {
      type: 'string',
      value: Object.keys(TYPES).join('|'),
      default: 'exclusive',
      description: "the subscription's type",
    },
    position: {
      type: 'string',
      value: 'earliest|latest',
      default: 'latest',
      description: 'where a new subscription starts',
    },
    count: { type: 'string', value: 'N', default: '1', description: 'stop after N messages; 0: no limit' },
    'timeout-ms': {
      type: 'string',
      value: 'MS',
      default: '0',
      description: 'stop after this long, whatever came; 0: no limit',
    },
    output: { type: 'string', value: 'json|raw', default: 'json', description: 'how messages are printed' },
  },
  exitCodes: [
    [ExitCode.Failure, 'the broker could not be reached or refused the subscription'],
    [ExitCode.Timeout, 'fewer than --count messages came before the timeout or an interrupt'],
  ],
  examples: [
    'pf-bash consume --topic reverse-out --position earliest --count 10',
    'pf-bash consume --topic reverse-out --output raw > payload.bin',
  ],
};

async function consume(args: ParsedArgs, io: CliIo): Promise<number> {
  const topic = topicOption(args, 'topic') ?? args.requiredString('topic');
  const count = args.integer('count', 0) ?? 1;
  const timeoutMs = args.integer('timeout-ms', 0) ?? 0;
  const format = args.choice('output', OUTPUT_FORMATS) ?? OutputFormat.Json;
  const position = POSITIONS[args.choice('position', ['earliest', 'latest'] as const) ?? 'latest'];
  const type =
    TYPES[args.choice('subscription-type', Object.keys(TYPES) as (keyof typeof TYPES)[]) ?? 'exclusive'];
  const named = args.string('subscription');
  const subscription = named ?? `pf-bash-consume-${randomBytes(6).toString('hex')}`;
  const broker = brokerSettings(args, io);

  const client = openClient(broker);
  const { interrupted, stop } = interruption(io);
  let consumer: Consumer | undefined;
  try {
    consumer = await client.subscribe({
      topic,
      subscription,
      subscriptionType: type,
      subscriptionInitialPosition: position,
    });
    const deadline = timeoutMs === 0 ? undefined : performance.now() + timeoutMs;
    let received = 0;
    let end: ReceiveEnd | undefined;
    while (count === 0 || received < count) {
      const next = await receiveUntil(consumer, deadline, interrupted);
      if (next === ReceiveEnd.Timeout || next === ReceiveEnd.Interrupted) {
        end = next;
        break;
      }
      writeMessage(io.stdout, next, format);
      await consumer.acknowledge(next);
      received++;
    }
    if (count !== 0 && received < count) {
      const why = end === ReceiveEnd.Interrupted ? 'interrupted' : `no more within ${timeoutMs} ms`;
      io.stderr.write(`received ${received} of ${count} messages from ${topic}: ${why}\n`);
      return ExitCode.Timeout;
    }
    return ExitCode.Ok;
  } finally {
    stop();
    // A subscription made up for this run goes, also after a failure; a named one stays.
    if (named === undefined) await consumer?.unsubscribe().catch(() => undefined);
    await client.close();
  }
}

export function consumeCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(CONSUME_SPEC, argv, io, consume);
}
