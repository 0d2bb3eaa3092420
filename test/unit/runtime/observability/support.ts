// Helpers for the observability tests: a Prometheus text-exposition parser, a fake producer whose sends the
// test settles, and a destination that keeps pino's lines in memory.
import { Writable } from 'node:stream';
import type { MessageId, OutgoingMessage, Producer, ProducerOptions } from '../../../../src/pulsar/index.ts';
import type { Invocation } from '../../../../src/runtime/function-executor/index.ts';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Metric family name → type from the `# TYPE` lines. */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** The one sample of `name` whose labels include `where`; fails when there is not exactly one. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  where: Record<string, string> = {},
): number {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(where)}`);
  return found[0]!.value;
}

interface PendingSend {
  readonly message: OutgoingMessage;
  resolve(): void;
  reject(error: Error): void;
}

/** A Producer whose sends stay pending until the test resolves or rejects them. */
export class FakeProducer implements Producer {
  readonly topic: string;
  readonly producerName = 'fake';
  readonly lastSequenceId = -1n;
  readonly options: ProducerOptions;
  readonly pending: PendingSend[] = [];
  readonly sent: OutgoingMessage[] = [];
  closed = false;
  /** When set, send() resolves at once. */
  autoReceipt = false;

  constructor(options: ProducerOptions) {
    this.options = options;
    this.topic = options.topic;
  }

  send(message: OutgoingMessage): Promise<MessageId> {
    return new Promise<MessageId>((resolve, reject) => {
      const done = () => {
        this.sent.push(message);
        resolve(fakeId);
      };
      if (this.autoReceipt) done();
      else this.pending.push({ message, resolve: done, reject });
    });
  }

  /** Settles the oldest `n` pending sends. */
  receipt(n = this.pending.length): void {
    for (const p of this.pending.splice(0, n)) p.resolve();
  }

  fail(n: number, error = new Error('send timed out')): void {
    for (const p of this.pending.splice(0, n)) p.reject(error);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

const fakeId: MessageId = {
  ledgerId: 1n,
  entryId: 1n,
  partition: -1,
  batchIndex: -1,
  batchSize: 0,
  toString: () => '1:1:-1:-1',
};

/** A client whose createProducer fails `failures` times, then hands out FakeProducers. */
export class FakeClient {
  failures: number;
  readonly producers: FakeProducer[] = [];
  attempts = 0;
  /** While set, createProducer waits for this promise. */
  gate: Promise<void> | undefined;

  constructor(failures = 0) {
    this.failures = failures;
  }

  async createProducer(options: ProducerOptions): Promise<Producer> {
    this.attempts++;
    if (this.gate !== undefined) await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker unavailable');
    }
    const producer = new FakeProducer(options);
    this.producers.push(producer);
    return producer;
  }
}

/** A pino destination that keeps each line, parsed. */
export class MemoryDestination extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }
}

/** A message as the executor hands it to the script (for stderr and pf_log forwarding). */
export const sampleInvocation: Invocation = {
  payload: new Uint8Array(),
  messageId: '7:42:-1:-1',
  key: undefined,
  topic: 'persistent://public/default/in',
  publishTime: 0,
  eventTime: undefined,
  redeliveryCount: 0,
  properties: {},
};
