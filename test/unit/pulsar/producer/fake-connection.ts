// A Connection and ClientContext without sockets for producer tests: every SEND is encoded to bytes and
// decoded again with the protocol codec (so a missing required field fails the test), PRODUCER is answered
// as the test says, and the test plays the broker's part with receipt(), sendError(), closeProducer().
import { exponentialBackoff } from '../../../../src/pulsar/backoff.ts';
import type {
  ClientContext,
  Connection,
  ProducerHandler,
} from '../../../../src/pulsar/connection/contract.ts';
import { ServerError, TimeoutError } from '../../../../src/pulsar/errors.ts';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  create,
  decodeFrame,
  encodePayloadCommand,
  type MessageMetadata,
} from '../../../../src/pulsar/protocol/index.ts';
import { silentLogger } from '../../../../src/pulsar/util/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

/** One SEND as the broker would read it off the wire. */
export interface SentFrame {
  readonly producerId: bigint;
  readonly sequenceId: bigint;
  readonly highestSequenceId: bigint;
  readonly numMessages: number;
  readonly command: BaseCommand;
  readonly metadata: MessageMetadata;
  readonly payload: Uint8Array;
}

/**
 * How the fake broker answers PRODUCER: success with a name and last sequence id, a server error, or no
 * answer in time (the request rejects with TimeoutError, as the connection's request timeout would).
 */
export type ProducerAnswer =
  | { readonly producerName?: string; readonly lastSequenceId?: bigint }
  | { readonly errorCode: number; readonly message?: string }
  | { readonly timeout: true };

export class FakeConnection implements Connection {
  readonly logicalAddress = 'fake-broker:6650';
  readonly protocolVersion = 19;
  maxMessageSize: number;
  isClosed = false;
  /** What sendPayload returns: false simulates a socket over its high-water mark. */
  writable = true;
  /** Called before each SEND is encoded; throwing from it simulates a frame that cannot be encoded. */
  beforeEncode: ((sequenceId: bigint) => void) | undefined;
  /** The timeout given with each request, in order (undefined: the connection's default). */
  readonly requestTimeouts: (number | undefined)[] = [];
  readonly sent: SentFrame[] = [];
  /** Every command given to request(), in order. */
  readonly requests: BaseCommand[] = [];
  readonly handlers = new Map<bigint, ProducerHandler>();
  /** Answers for the next PRODUCER requests, in order; when empty, success with a generated name. */
  readonly producerAnswers: ProducerAnswer[] = [];
  #nextRequestId = 1n;
  #drainWaiters: (() => void)[] = [];
  #producerCount = 0;

  constructor(maxMessageSize = 5 * 1024 * 1024) {
    this.maxMessageSize = maxMessageSize;
  }

  request(build: (requestId: bigint) => BaseCommand, timeoutMs?: number): Promise<BaseCommand> {
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    const command = build(this.#nextRequestId++);
    this.requests.push(command);
    this.requestTimeouts.push(timeoutMs);
    if (command.type === BaseCommand_Type.PRODUCER) {
      const init = command.producer!;
      const answer = this.producerAnswers.shift() ?? {};
      if ('errorCode' in answer)
        return Promise.reject(new ServerError(answer.errorCode, answer.message ?? 'refused'));
      if ('timeout' in answer) return Promise.reject(new TimeoutError('no answer to PRODUCER'));
      const producerName =
        answer.producerName ?? (init.producerName || `standalone-0-${this.#producerCount++}`);
      return Promise.resolve(
        create(BaseCommandSchema, {
          type: BaseCommand_Type.PRODUCER_SUCCESS,
          producerSuccess: {
            requestId: init.requestId,
            producerName,
            lastSequenceId: answer.lastSequenceId ?? -1n,
          },
        }),
      );
    }
    return Promise.resolve(
      create(BaseCommandSchema, { type: BaseCommand_Type.SUCCESS, success: { requestId: 0n } }),
    );
  }

  send(command: BaseCommand): void {
    this.requests.push(command);
  }

  sendPayload(command: BaseCommand, metadata: MessageMetadata, payload: Uint8Array): boolean {
    if (this.isClosed) return true;
    this.beforeEncode?.(command.send!.sequenceId);
    // Through the real codec: what the broker would decode from these bytes.
    const frame = encodePayloadCommand(command, metadata, payload);
    const decoded = decodeFrame(frame.subarray(4));
    const send = decoded.command.send!;
    this.sent.push({
      producerId: send.producerId,
      sequenceId: send.sequenceId,
      highestSequenceId: send.highestSequenceId,
      numMessages: send.numMessages,
      command: decoded.command,
      metadata: decoded.payload!.metadata,
      payload: decoded.payload!.payload,
    });
    return this.writable;
  }

  waitWritable(): Promise<void> {
    if (this.writable) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** The socket drained: writes may go on. */
  drain(): void {
    this.writable = true;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  registerProducer(producerId: bigint, handler: ProducerHandler): void {
    this.handlers.set(producerId, handler);
  }

  unregisterProducer(producerId: bigint): void {
    this.handlers.delete(producerId);
  }

  registerConsumer(): void {
    throw new Error('not used by producer tests');
  }

  unregisterConsumer(): void {}

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const handlers = [...this.handlers.values()];
    this.handlers.clear();
    for (const handler of handlers) handler.onConnectionClosed(new Error('connection closed'));
    this.drain();
  }

  // ── The broker's side ──

  receipt(sequenceId: bigint, ledgerId = 1n, entryId = 0n, producerId?: bigint): void {
    const handler = this.#handler(producerId);
    const command = create(BaseCommandSchema, {
      type: BaseCommand_Type.SEND_RECEIPT,
      sendReceipt: { producerId: producerId ?? 0n, sequenceId, messageId: { ledgerId, entryId } },
    });
    handler.onSendReceipt(command.sendReceipt!);
  }

  /** Receipts for every frame sent so far and not yet receipted, entry ids counting from `firstEntry`. */
  receiptAll(fromIndex = 0, firstEntry = 0n): void {
    let entry = firstEntry;
    for (const frame of this.sent.slice(fromIndex))
      this.receipt(frame.sequenceId, 1n, entry++, frame.producerId);
  }

  sendError(sequenceId: bigint, error: number, producerId?: bigint): void {
    const command = create(BaseCommandSchema, {
      type: BaseCommand_Type.SEND_ERROR,
      sendError: { producerId: producerId ?? 0n, sequenceId, error, message: 'refused by the fake broker' },
    });
    this.#handler(producerId).onSendError(command.sendError!);
  }

  closeProducer(producerId?: bigint): void {
    const command = create(BaseCommandSchema, {
      type: BaseCommand_Type.CLOSE_PRODUCER,
      closeProducer: { producerId: producerId ?? 0n, requestId: 0n },
    });
    this.#handler(producerId).onCloseProducer(command.closeProducer!);
  }

  #handler(producerId: bigint | undefined): ProducerHandler {
    const handler = producerId === undefined ? [...this.handlers.values()][0] : this.handlers.get(producerId);
    if (handler === undefined)
      throw new Error(`no producer ${producerId ?? ''} registered on this connection`);
    return handler;
  }
}

export interface FakeContextOptions {
  partitions?: number;
  operationTimeoutMs?: number;
  maxMessageSize?: number;
}

/** A ClientContext handing out FakeConnections: `connections` lists every one it gave, per topic. */
export class FakeContext implements ClientContext {
  readonly clock = new FakeClock();
  readonly logger = silentLogger;
  readonly operationTimeoutMs: number;
  partitions: number;
  maxMessageSize: number;
  /** Connections given out, oldest first, for every topic. */
  readonly connections = new Map<string, FakeConnection[]>();
  /** Errors to throw from the next connectionForTopic calls, in order. */
  readonly lookupErrors: Error[] = [];
  /** Answers the next new connections will give to PRODUCER. */
  readonly producerAnswers: ProducerAnswer[] = [];
  lookups = 0;
  #nextProducerId = 0n;

  constructor(options: FakeContextOptions = {}) {
    this.partitions = options.partitions ?? 0;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.maxMessageSize = options.maxMessageSize ?? 5 * 1024 * 1024;
  }

  async connectionForTopic(topic: string): Promise<Connection> {
    this.lookups++;
    const error = this.lookupErrors.shift();
    if (error !== undefined) throw error;
    const list = this.connections.get(topic) ?? [];
    const last = list.at(-1);
    if (last !== undefined && !last.isClosed) {
      last.producerAnswers.push(...this.producerAnswers.splice(0));
      return last;
    }
    const connection = new FakeConnection(this.maxMessageSize);
    connection.producerAnswers.push(...this.producerAnswers.splice(0));
    list.push(connection);
    this.connections.set(topic, list);
    return connection;
  }

  /** The newest connection given out for `topic`. */
  connection(topic: string): FakeConnection {
    const connection = this.connections.get(topic)?.at(-1);
    if (connection === undefined) throw new Error(`no connection for ${topic}`);
    return connection;
  }

  async partitionedMetadata(): Promise<number> {
    return this.partitions;
  }

  async topicsOfNamespace(): Promise<string[]> {
    return [];
  }

  newProducerId(): bigint {
    return this.#nextProducerId++;
  }

  newConsumerId(): bigint {
    return 0n;
  }

  /** Deterministic: no jitter, 100 ms doubling. */
  newBackoff() {
    return exponentialBackoff({ random: () => 0 });
  }
}
