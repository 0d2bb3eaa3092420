// `pf-bash produce`: sends a message (or several) to a topic with pf-bash's own client, for trying a function.
// The payload's bytes are sent exactly as read; each message id is printed on stdout.
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
  MESSAGE_OPTIONS,
  messageMetadata,
  openClient,
  readPayload,
  SERVICE_URL_OPTION,
  TOPIC_OPTION,
  topicOption,
} from './messages.ts';

export const PRODUCE_SPEC: CommandSpec = {
  name: 'produce',
  synopsis: '--topic TOPIC [--data TEXT | --file FILE | < payload] [options]',
  description: `Sends a message to TOPIC with pf-bash's own Pulsar client, for trying a function. The payload is
--data, --file or stdin, sent byte for byte (with --lines, each line is a message of its own). Prints each
message's id (ledger:entry:partition:batchIndex) on stdout.`,
  options: {
    topic: TOPIC_OPTION,
    'service-url': SERVICE_URL_OPTION,
    ...MESSAGE_OPTIONS,
    lines: {
      type: 'boolean',
      description: 'send each line of the payload as a message, without its newline',
    },
    count: { type: 'string', value: 'N', default: '1', description: 'send the message(s) N times' },
  },
  exitCodes: [[ExitCode.Failure, 'the broker could not be reached or refused a message']],
  examples: [
    'pf-bash produce --topic reverse-in --data hello',
    'pf-bash produce --topic reverse-in --file image.png --property type=png',
    "printf 'one\\ntwo\\n' | pf-bash produce --topic reverse-in --lines",
  ],
};

/** `a\nb\n` → [a, b]: the newline ends a line, it does not start an empty one. */
export function splitLines(payload: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = payload.indexOf(0x0a); i !== -1; i = payload.indexOf(0x0a, start)) {
    lines.push(payload.subarray(start, i));
    start = i + 1;
  }
  if (start < payload.byteLength) lines.push(payload.subarray(start));
  return lines;
}

async function produce(args: ParsedArgs, io: CliIo): Promise<number> {
  const topic = topicOption(args, 'topic') ?? args.requiredString('topic');
  const count = args.integer('count', 1) ?? 1;
  const metadata = messageMetadata(args);
  const broker = brokerSettings(args, io);
  const payload = await readPayload(args, io);
  const payloads = args.flag('lines') ? splitLines(payload) : [payload];
  const client = openClient(broker);
  try {
    const producer = await client.createProducer({ topic });
    // Sent together, so that many messages batch; the producer keeps their order and bounds what is pending.
    const sends = [];
    for (let round = 0; round < count; round++) {
      for (const body of payloads) sends.push(producer.send({ payload: body, ...metadata }));
    }
    const ids = await Promise.all(sends);
    io.stdout.write(ids.map((id) => `${id.toString()}\n`).join(''));
    io.stderr.write(`sent ${ids.length} message${ids.length === 1 ? '' : 's'} to ${producer.topic}\n`);
    await producer.close();
  } finally {
    await client.close();
  }
  return ExitCode.Ok;
}

export function produceCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(PRODUCE_SPEC, argv, io, produce);
}
