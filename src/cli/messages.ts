// What produce, consume and trigger share: the options of an outgoing message, reading its payload (exact
// bytes from --file or stdin), opening a client, and writing a received message as raw bytes or a JSON line.
import { readFile } from 'node:fs/promises';
import {
  type Client,
  type Consumer,
  createClient,
  type Message,
  parseTopicName,
  silentLogger,
  TimeoutError,
} from '../pulsar/index.ts';
import type { BrokerConfig } from '../runtime/config/index.ts';
import { clientOptionsFor } from '../runtime/instance/index.ts';
import { type CliIo, type OptionSpec, type OutputSink, type ParsedArgs, UsageError } from './args.ts';
import { formatWarnings, loadBrokerSettings, withFlagVariables } from './function-settings.ts';

export const TOPIC_OPTION: OptionSpec = {
  type: 'string',
  value: 'TOPIC',
  required: true,
  description: 'the topic (short names as in PF_INPUTS)',
};

export const SERVICE_URL_OPTION: OptionSpec = {
  type: 'string',
  value: 'URL',
  description: 'the broker; the token and TLS settings come from PF_AUTH_TOKEN(_FILE) and PF_TLS_*',
  defaultText: 'PF_SERVICE_URL, else pulsar://127.0.0.1:6650',
};

/** The outgoing message: its payload (one source) and metadata. */
export const MESSAGE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: { type: 'string', value: 'TEXT', description: 'the payload, as UTF-8 text' },
  file: { type: 'string', value: 'FILE', description: "the payload: the file's bytes, exactly" },
  key: { type: 'string', value: 'KEY', description: 'the message key' },
  property: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'a message property' },
};

export const OutputFormat = { Raw: 'raw', Json: 'json' } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];
export const OUTPUT_FORMATS = Object.values(OutputFormat);

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** The payload from --data, --file or stdin (exactly one); stdin only when it is not a terminal. */
export async function readPayload(args: ParsedArgs, io: CliIo): Promise<Buffer> {
  const data = args.string('data');
  const file = args.string('file');
  if (data !== undefined && file !== undefined) throw new UsageError('give --data or --file, not both');
  if (data !== undefined) return Buffer.from(data, 'utf8');
  if (file !== undefined) {
    return readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read --file ${file} (${error.code ?? error.message})`);
    });
  }
  if (io.stdin.isTTY === true) {
    throw new UsageError('no payload: give --data TEXT or --file FILE, or pipe it into stdin');
  }
  return readAll(io.stdin);
}

/** A topic option, completed to its full name (`in` → `persistent://public/default/in`). */
export function topicOption(args: ParsedArgs, name: string): string | undefined {
  const text = args.string(name);
  if (text === undefined) return undefined;
  try {
    return parseTopicName(text, `--${name}`).full;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Key and properties of the outgoing message. */
export function messageMetadata(args: ParsedArgs): { key?: string; properties: Record<string, string> } {
  const key = args.string('key');
  return { ...(key === undefined ? {} : { key }), properties: args.keyValues('property') };
}

/** The broker settings of the environment, --service-url winning over PF_SERVICE_URL; warnings go to stderr. */
export function brokerSettings(args: ParsedArgs, io: CliIo): BrokerConfig {
  const settings = loadBrokerSettings(withFlagVariables(args, io.env, [['service-url', 'PF_SERVICE_URL']]));
  io.stderr.write(formatWarnings(settings.warnings));
  return settings.config.broker;
}

/** A client for the broker settings; it logs nothing (the command reports what matters). */
export function openClient(broker: BrokerConfig): Client {
  return createClient(clientOptionsFor(broker, silentLogger));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as text when it is valid UTF-8. */
function payloadText(payload: Uint8Array): string | undefined {
  try {
    return utf8.decode(payload);
  } catch {
    return undefined;
  }
}

/** One message as a JSON object: metadata, the payload as text when it is UTF-8, and always as base64. */
export function messageJson(message: Message): Record<string, unknown> {
  const text = payloadText(message.payload);
  return {
    topic: message.topic,
    messageId: message.messageId.toString(),
    key: message.key ?? null,
    properties: message.properties,
    eventTime: message.eventTime ?? null,
    publishTime: message.publishTime,
    redeliveryCount: message.redeliveryCount,
    producerName: message.producerName,
    size: message.payload.byteLength,
    ...(text === undefined ? {} : { payload: text }),
    payloadBase64: Buffer.from(message.payload).toString('base64'),
  };
}

/** raw: the payload's bytes and nothing else; json: one line per message. */
export function writeMessage(sink: OutputSink, message: Message, format: OutputFormat): void {
  if (format === OutputFormat.Raw) sink.write(message.payload);
  else sink.write(`${JSON.stringify(messageJson(message))}\n`);
}

export const ReceiveEnd = { Timeout: 'timeout', Interrupted: 'interrupted' } as const;
export type ReceiveEnd = (typeof ReceiveEnd)[keyof typeof ReceiveEnd];

/** A promise that resolves on Ctrl-C or SIGTERM, and the function that stops listening. */
export function interruption(io: CliIo): {
  readonly interrupted: Promise<ReceiveEnd>;
  readonly stop: () => void;
} {
  let stop = () => {};
  const interrupted = new Promise<ReceiveEnd>((resolve) => {
    stop = io.onInterrupt(() => resolve(ReceiveEnd.Interrupted));
  });
  return { interrupted, stop };
}

/**
 * The next message, or why none came: the deadline (performance.now() based; undefined waits without limit)
 * passed, or the user interrupted. A receive left pending is rejected when the consumer closes; that is expected.
 */
export async function receiveUntil(
  consumer: Consumer,
  deadline: number | undefined,
  interrupted: Promise<ReceiveEnd>,
): Promise<Message | ReceiveEnd> {
  const remaining = deadline === undefined ? undefined : Math.ceil(deadline - performance.now());
  if (remaining !== undefined && remaining <= 0) return ReceiveEnd.Timeout;
  const received = consumer.receive(remaining).catch((error: unknown) => {
    if (error instanceof TimeoutError) return ReceiveEnd.Timeout;
    throw error;
  });
  const result = await Promise.race([received, interrupted]);
  if (result === ReceiveEnd.Interrupted) received.catch(() => undefined);
  return result;
}
