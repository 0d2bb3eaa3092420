// `pf-bash trigger`, like `pulsar-admin functions trigger`: sends one message to a running function's input and
// prints the output it produces. It subscribes to the output first (a subscription of its own, at the latest
// position, removed at the end), then sends the message with a unique property, pf-bash.trigger-id, which the
// function copies onto its output (forwardSourceMessageProperty, on by default); the output that carries it is
// the answer, and other traffic on the output topic is skipped.
import { randomUUID } from 'node:crypto';
import { type Consumer, InitialPosition, SubscriptionType } from '../pulsar/index.ts';
import {
  type CliIo,
  type CommandSpec,
  ExitCode,
  executeCommand,
  type ParsedArgs,
  processIo,
  UsageError,
} from './args.ts';
import { formatWarnings, loadFunctionSettings, withFlagVariables } from './function-settings.ts';
import {
  interruption,
  MESSAGE_OPTIONS,
  messageMetadata,
  OUTPUT_FORMATS,
  OutputFormat,
  openClient,
  ReceiveEnd,
  readPayload,
  receiveUntil,
  SERVICE_URL_OPTION,
  topicOption,
  writeMessage,
} from './messages.ts';

/** Set on the input message; the output that carries the same value answers it. */
export const TRIGGER_ID_PROPERTY = 'pf-bash.trigger-id';
export const MatchMode = { Id: 'id', Any: 'any' } as const;
export type MatchMode = (typeof MatchMode)[keyof typeof MatchMode];

export const TRIGGER_SPEC: CommandSpec = {
  name: 'trigger',
  synopsis:
    '[--config-file FILE | --input TOPIC --output TOPIC] [--data TEXT | --file FILE | < payload] [options]',
  description: `Sends one message to a running function's input topic and prints the output message it produces,
like \`pulsar-admin functions trigger\`. The function's topics come from the same settings \`pf-bash run\` reads
(PF_INPUTS, PF_OUTPUT, PF_FUNCTION_CONFIG_FILE; docs/configuration.md), or from --input and --output. The output
is recognised by the property ${TRIGGER_ID_PROPERTY}, which the message carries and the function copies onto its
output (PF_FORWARD_SOURCE_MESSAGE_PROPERTY, true by default). The payload is printed byte for byte (--format raw)
or as a JSON object (--format json).`,
  options: {
    'config-file': {
      type: 'string',
      value: 'FILE',
      description: "the function's Pulsar FunctionConfig YAML file (sets PF_FUNCTION_CONFIG_FILE)",
    },
    input: {
      type: 'string',
      value: 'TOPIC',
      description: 'the topic to send to',
      defaultText: "the function's first input topic",
    },
    output: {
      type: 'string',
      value: 'TOPIC',
      description: 'the topic the answer comes on',
      defaultText: "the function's output topic",
    },
    'service-url': SERVICE_URL_OPTION,
    ...MESSAGE_OPTIONS,
    'timeout-ms': {
      type: 'string',
      value: 'MS',
      default: '30000',
      description: 'how long to wait for the output',
    },
    format: { type: 'string', value: 'raw|json', default: 'raw', description: 'how the output is printed' },
    match: {
      type: 'string',
      value: 'id|any',
      description: `id: the output carrying this run's ${TRIGGER_ID_PROPERTY}; any: the first output to come`,
      defaultText: 'id, or any when the function does not forward properties',
    },
  },
  exitCodes: [
    [ExitCode.Failure, 'the broker could not be reached or refused the message'],
    [
      ExitCode.Timeout,
      'no output within --timeout-ms (the function is not running, failed on the message, or had no output)',
    ],
  ],
  examples: [
    'pf-bash trigger --input reverse-in --output reverse-out --data hello',
    'PF_FUNCTION_CONFIG_FILE=reverse.yaml pf-bash trigger --file request.json --format json',
  ],
};

/** The environment the function's settings are read from, with the flags' variables set. */
function settingsEnv(args: ParsedArgs, env: CliIo['env']): Record<string, string | undefined> {
  const result = withFlagVariables(args, env, [
    ['config-file', 'PF_FUNCTION_CONFIG_FILE'],
    ['input', 'PF_INPUTS'],
    ['output', 'PF_OUTPUT'],
    ['service-url', 'PF_SERVICE_URL'],
  ]);
  // --input names the input as a whole, as PF_INPUTS does: a pattern from the environment no longer applies.
  if (args.has('input')) delete result.PF_TOPICS_PATTERN;
  return result;
}

async function trigger(args: ParsedArgs, io: CliIo): Promise<number> {
  const timeoutMs = args.integer('timeout-ms', 1) ?? 30_000;
  const format = args.choice('format', OUTPUT_FORMATS) ?? OutputFormat.Raw;
  const chosenMatch = args.choice('match', Object.values(MatchMode));
  // Checked before the settings, so that a bad topic is named after its flag.
  topicOption(args, 'input');
  topicOption(args, 'output');
  const settings = loadFunctionSettings(settingsEnv(args, io.env));
  const { config } = settings;
  io.stderr.write(formatWarnings(settings.warnings));
  const input = config.input.topics[0];
  if (config.input.topicsPattern !== null || input === undefined) {
    throw new UsageError(
      `the function reads the topics pattern ${config.input.topicsPattern}; name the topic with --input`,
    );
  }
  if (config.input.topics.length > 1) io.stderr.write(`sending to the first of the inputs: ${input}\n`);
  const output = config.output.topic;
  if (output === null)
    throw new UsageError('the function has no output topic (PF_OUTPUT); name one with --output');
  const forwards = config.output.forwardSourceMessageProperty;
  const match = chosenMatch ?? (forwards ? MatchMode.Id : MatchMode.Any);
  if (match === MatchMode.Id && !forwards) {
    io.stderr.write(`warning: the function does not forward properties; --match id will see no answer\n`);
  }
  const payload = await readPayload(args, io);
  const metadata = messageMetadata(args);
  const id = randomUUID();

  const client = openClient(config.broker);
  const { interrupted, stop } = interruption(io);
  let consumer: Consumer | undefined;
  try {
    // Subscribed before sending, at the latest position: the answer cannot come before the subscription exists.
    consumer = await client.subscribe({
      topic: output,
      subscription: `pf-bash-trigger-${id}`,
      subscriptionType: SubscriptionType.Exclusive,
      subscriptionInitialPosition: InitialPosition.Latest,
    });
    const producer = await client.createProducer({ topic: input, batchingEnabled: false });
    const deadline = performance.now() + timeoutMs;
    await producer.send({
      payload,
      ...metadata,
      properties: { ...metadata.properties, [TRIGGER_ID_PROPERTY]: id },
    });
    await producer.close();
    let end: ReceiveEnd | undefined;
    for (;;) {
      const next = await receiveUntil(consumer, deadline, interrupted);
      if (next === ReceiveEnd.Timeout || next === ReceiveEnd.Interrupted) {
        end = next;
        break;
      }
      await consumer.acknowledge(next);
      if (match === MatchMode.Any || next.properties[TRIGGER_ID_PROPERTY] === id) {
        writeMessage(io.stdout, next, format);
        break;
      }
    }
    if (end === undefined) return ExitCode.Ok;
    io.stderr.write(
      end === ReceiveEnd.Interrupted
        ? 'interrupted before the output came\n'
        : `no output on ${output} within ${timeoutMs} ms: the function may not be running (pf-bash status), ` +
            'may have failed on the message (its log), or produced no output for it\n',
    );
    return ExitCode.Timeout;
  } finally {
    stop();
    // The subscription was this run's only; also after a failure, nothing is left behind on the broker.
    await consumer?.unsubscribe().catch(() => undefined);
    await client.close();
  }
}

export function triggerCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(TRIGGER_SPEC, argv, io, trigger);
}
