// Fakes of the client's public interfaces and of the executor, for the delivery path's unit tests.
import type { Logger, Message, MessageId, OutgoingMessage, Producer } from '../../../../src/pulsar/index.ts';
import type {
  FunctionExecutor,
  Invocation,
  InvocationResult,
} from '../../../../src/runtime/function-executor/index.ts';

export interface MessageSpec {
  ledgerId?: bigint;
  entryId?: bigint;
  partition?: number;
  batchIndex?: number;
  batchSize?: number;
  topic?: string;
  payload?: string | Buffer;
  key?: string;
  orderingKey?: Buffer;
  properties?: Record<string, string>;
  eventTime?: number;
  publishTime?: number;
  redeliveryCount?: number;
}

let nextEntry = 1n;

export function fakeMessage(spec: MessageSpec = {}): Message {
  const ledgerId = spec.ledgerId ?? 7n;
  const entryId = spec.entryId ?? nextEntry++;
  const partition = spec.partition ?? -1;
  const batchIndex = spec.batchIndex ?? -1;
  const messageId: MessageId = {
    ledgerId,
    entryId,
    partition,
    batchIndex,
    batchSize: spec.batchSize ?? (batchIndex < 0 ? 0 : batchIndex + 1),
    toString: () => `${ledgerId}:${entryId}:${partition}:${batchIndex}`,
  };
  const payload = spec.payload ?? 'hello';
  return {
    messageId,
    topic: spec.topic ?? 'persistent://public/default/in',
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    key: spec.key,
    keyIsBase64: false,
    orderingKey: spec.orderingKey,
    properties: spec.properties ?? {},
    eventTime: spec.eventTime,
    publishTime: spec.publishTime ?? 1_700_000_000_000,
    redeliveryCount: spec.redeliveryCount ?? 0,
    producerName: 'test',
    sequenceId: 0n,
  };
}

/** Records every call, in order, across the fakes that share it. */
export class Journal {
  readonly entries: string[] = [];
  add(entry: string): void {
    this.entries.push(entry);
  }
}

export class FakeInput {
  readonly acked: Message[] = [];
  readonly nacked: Message[] = [];
  readonly #journal: Journal;
  constructor(journal: Journal) {
    this.#journal = journal;
  }
  async acknowledge(message: Message): Promise<void> {
    this.#journal.add(`ack ${message.messageId.toString()}`);
    this.acked.push(message);
  }
  negativeAcknowledge(message: Message): void {
    this.#journal.add(`nack ${message.messageId.toString()}`);
    this.nacked.push(message);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface SentMessage {
  readonly topic: string;
  readonly producerName: string;
  readonly message: OutgoingMessage;
}

/** Producers that receipt at once, or when told to (`holdReceipts`), or fail (`failTopics`). */
export class FakeProducers {
  readonly sent: SentMessage[] = [];
  readonly created: { topic: string; producerName: string | undefined }[] = [];
  readonly flushes: string[] = [];
  readonly failTopics = new Set<string>();
  readonly failCreate = new Set<string>();
  holdReceipts = false;
  readonly held: Deferred<MessageId>[] = [];
  readonly #journal: Journal;
  readonly #producers = new Map<string, Producer>();

  constructor(journal: Journal) {
    this.#journal = journal;
  }

  async get(topic: string, producerName?: string): Promise<Producer> {
    if (this.failCreate.has(topic)) throw new Error(`cannot create a producer for ${topic}`);
    const key = `${topic}|${producerName ?? ''}`;
    let producer = this.#producers.get(key);
    if (producer === undefined) {
      this.created.push({ topic, producerName });
      producer = this.#producer(topic, producerName ?? `generated-${this.created.length}`);
      this.#producers.set(key, producer);
    }
    return producer;
  }

  #producer(topic: string, producerName: string): Producer {
    const fakes = this;
    return {
      topic,
      producerName,
      lastSequenceId: -1n,
      send(message: OutgoingMessage): Promise<MessageId> {
        fakes.#journal.add(`send ${topic}`);
        fakes.sent.push({ topic, producerName, message });
        if (fakes.failTopics.has(topic)) return Promise.reject(new Error(`broker refused ${topic}`));
        const receipt = deferred<MessageId>();
        const id: MessageId = {
          ledgerId: 1n,
          entryId: BigInt(fakes.sent.length),
          partition: -1,
          batchIndex: -1,
          batchSize: 0,
          toString: () => `1:${fakes.sent.length}:-1:-1`,
        };
        if (fakes.holdReceipts) fakes.held.push(receipt);
        else receipt.resolve(id);
        return receipt.promise.then((value) => {
          fakes.#journal.add(`receipt ${topic}`);
          return value;
        });
      },
      async flush() {
        fakes.flushes.push(topic);
      },
      async close() {},
    };
  }
}

export function success(overrides: Partial<InvocationResult> = {}): InvocationResult {
  return {
    outcome: 'success',
    exitCode: 0,
    signal: undefined,
    timedOut: false,
    aborted: false,
    durationMs: 5,
    output: undefined,
    extraMessages: [],
    stderrTail: '',
    ...overrides,
  };
}

export function failure(overrides: Partial<InvocationResult> = {}): InvocationResult {
  return {
    ...success(),
    outcome: 'failure',
    exitCode: 1,
    failureCode: 'exit-code',
    reason: 'the script exited with code 1',
    stderrTail: 'boom\n',
    ...overrides,
  };
}

/** An output as the executor resolves it: the input's key, properties and event time. */
export function outputFor(invocation: Invocation, payload: string, topic?: string): InvocationResult {
  return success({
    output: {
      topic,
      payload: Buffer.from(payload),
      key: invocation.key,
      properties: invocation.properties,
      eventTime: invocation.eventTime,
    },
  });
}

type Behaviour = (invocation: Invocation, signal: AbortSignal | undefined) => Promise<InvocationResult>;

/** Runs `behaviour` for each invocation, recording them. */
export class FakeExecutor implements FunctionExecutor {
  readonly invocations: Invocation[] = [];
  behaviour: Behaviour;
  readonly #journal: Journal;

  constructor(journal: Journal, behaviour: Behaviour = async (i) => outputFor(i, 'out')) {
    this.#journal = journal;
    this.behaviour = behaviour;
  }

  run(invocation: Invocation, signal?: AbortSignal): Promise<InvocationResult> {
    this.#journal.add(`run ${invocation.messageId}`);
    this.invocations.push(invocation);
    return this.behaviour(invocation, signal);
  }
}

/** A logger that keeps every line. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; fields: Record<string, unknown>; message: string }[];
  constructor(lines: MemoryLogger['lines'] = []) {
    this.lines = lines;
  }
  debug(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', fields, message });
  }
  child(): Logger {
    return new MemoryLogger(this.lines);
  }
}
