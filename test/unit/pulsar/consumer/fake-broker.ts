// A fake Connection and ClientContext for consumer tests: records what the consumer sends (SUBSCRIBE, FLOW,
// ACK, REDELIVER, CLOSE_CONSUMER…), answers requests, and lets a test push MESSAGE frames built with the
// protocol's own batch and compression code.
import { exponentialBackoff } from '../../../../src/pulsar/backoff.ts';
import type {
  ClientContext,
  Connection,
  ConsumerHandler,
  InboundPayload,
} from '../../../../src/pulsar/connection/contract.ts';
import { ConnectionError } from '../../../../src/pulsar/errors.ts';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  type CommandAck_ValidationError,
  CommandAckSchema,
  CommandMessageSchema,
  compress,
  create,
  encodeBatch,
  isFieldSet,
  type MessageInitShape,
  type MessageMetadata,
  MessageMetadataSchema,
  ProtoCompressionType,
  type SingleMessageMetadataInit,
} from '../../../../src/pulsar/protocol/index.ts';
import type { Logger } from '../../../../src/pulsar/util/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: LogLine['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

type Answer = (command: BaseCommand) => BaseCommand | Promise<BaseCommand>;

export const success: Answer = () =>
  create(BaseCommandSchema, { type: BaseCommand_Type.SUCCESS, success: {} });

export class FakeConnection implements Connection {
  readonly logicalAddress = 'fake-broker:6650';
  readonly maxMessageSize = 5 * 1024 * 1024;
  readonly protocolVersion = 19;
  isClosed = false;
  /** Everything sent, requests included, in order. */
  readonly commands: BaseCommand[] = [];
  readonly handlers = new Map<bigint, ConsumerHandler>();
  answer: Answer = success;
  #requestId = 0n;

  request(build: (requestId: bigint) => BaseCommand): Promise<BaseCommand> {
    if (this.isClosed) return Promise.reject(new ConnectionError('closed'));
    const command = build(this.#requestId++);
    this.commands.push(command);
    return Promise.resolve().then(() => this.answer(command));
  }

  send(command: BaseCommand): void {
    if (!this.isClosed) this.commands.push(command);
  }

  sendPayload(): boolean {
    throw new Error('consumers send no payloads');
  }

  waitWritable(): Promise<void> {
    return Promise.resolve();
  }

  registerProducer(): void {}
  unregisterProducer(): void {}

  registerConsumer(consumerId: bigint, handler: ConsumerHandler): void {
    this.handlers.set(consumerId, handler);
  }

  unregisterConsumer(consumerId: bigint): void {
    this.handlers.delete(consumerId);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const handlers = [...this.handlers.values()];
    this.handlers.clear();
    for (const handler of handlers) handler.onConnectionClosed(new ConnectionError('connection lost'));
  }

  handler(consumerId = 0n): ConsumerHandler {
    const handler = this.handlers.get(consumerId);
    if (handler === undefined) throw new Error(`consumer ${consumerId} is not registered`);
    return handler;
  }

  /** Pushes one MESSAGE to a consumer. */
  push(
    consumerId: bigint,
    position: { ledger?: bigint; entry: bigint; redeliveryCount?: number; ackSet?: bigint[]; epoch?: bigint },
    payload: InboundPayload,
  ): void {
    const message = create(CommandMessageSchema, {
      consumerId,
      messageId: { ledgerId: position.ledger ?? 1n, entryId: position.entry },
      redeliveryCount: position.redeliveryCount ?? 0,
      ackSet: position.ackSet ?? [],
      consumerEpoch: position.epoch,
    });
    this.handler(consumerId).onMessage(message, payload);
  }

  ofType(type: BaseCommand_Type): BaseCommand[] {
    return this.commands.filter((c) => c.type === type);
  }

  /** Permits of every FLOW sent, in order. */
  flows(consumerId?: bigint): number[] {
    return this.ofType(BaseCommand_Type.FLOW)
      .filter((c) => consumerId === undefined || c.flow?.consumerId === consumerId)
      .map((c) => c.flow?.messagePermits ?? -1);
  }

  /**
   * Every ACK: type, ids, validation error. An id is `ledger:entry`, followed for a partial (batch-index) ack
   * by the batch indexes its ack_set leaves outstanding: `1:5{0,2}`.
   */
  acks(): { type: number; ids: string[]; validationError: CommandAck_ValidationError | undefined }[] {
    return this.ofType(BaseCommand_Type.ACK).map((c) => ({
      type: c.ack!.ackType,
      ids: c.ack!.messageId.map((id) => `${id.ledgerId}:${id.entryId}${outstandingIndexes(id.ackSet)}`),
      validationError: isFieldSet(c.ack!, CommandAckSchema.field.validationError)
        ? c.ack!.validationError
        : undefined,
    }));
  }

  /** Ids of every individual (non-validation) ack of whole entries, flattened. */
  ackedIds(): string[] {
    return this.acks()
      .filter((a) => a.type === 0 && a.validationError === undefined)
      .flatMap((a) => a.ids.filter((id) => !id.includes('{')));
  }

  /** Ids of every individual partial (batch-index) ack, flattened, as acks() shows them. */
  partialAcks(): string[] {
    return this.acks()
      .filter((a) => a.type === 0)
      .flatMap((a) => a.ids.filter((id) => id.includes('{')));
  }

  redelivers(): { ids: string[]; epoch: bigint }[] {
    return this.ofType(BaseCommand_Type.REDELIVER_UNACKNOWLEDGED_MESSAGES).map((c) => ({
      ids: c.redeliverUnacknowledgedMessages!.messageIds.map((id) => `${id.ledgerId}:${id.entryId}`),
      epoch: c.redeliverUnacknowledgedMessages!.consumerEpoch,
    }));
  }
}

/** `{i,j}` for the set bits of an ack_set (64-bit words, low bit first); '' for none. */
function outstandingIndexes(ackSet: readonly bigint[]): string {
  if (ackSet.length === 0) return '';
  const indexes: number[] = [];
  for (const [w, word] of ackSet.entries()) {
    for (let bit = 0; bit < 64; bit++)
      if ((BigInt.asUintN(64, word) >> BigInt(bit)) & 1n) indexes.push(w * 64 + bit);
  }
  return `{${indexes.join(',')}}`;
}

export class FakeContext implements ClientContext {
  readonly clock = new FakeClock();
  readonly lines: LogLine[] = [];
  readonly logger: Logger = recordingLogger(this.lines);
  readonly operationTimeoutMs = 30_000;
  /** The connection lookups return; replace it to simulate a new broker connection. */
  connection = new FakeConnection();
  readonly connections: FakeConnection[] = [this.connection];
  /** Partition counts by full topic name (absent: 0). */
  readonly partitions = new Map<string, number>();
  /** What topicsOfNamespace answers. */
  namespaceTopics: string[] = [];
  lookupFailure: Error | undefined;
  lookups = 0;
  #consumerId = 0n;

  async connectionForTopic(): Promise<Connection> {
    this.lookups++;
    if (this.lookupFailure !== undefined) throw this.lookupFailure;
    return this.connection;
  }

  async partitionedMetadata(topic: string): Promise<number> {
    return this.partitions.get(topic) ?? 0;
  }

  async topicsOfNamespace(): Promise<string[]> {
    return this.namespaceTopics;
  }

  newProducerId(): bigint {
    return 0n;
  }

  newConsumerId(): bigint {
    return this.#consumerId++;
  }

  newBackoff() {
    // No jitter: delays are exactly 100, 200, 400… ms.
    return exponentialBackoff({ random: () => 0 });
  }

  /** A fresh connection for the next lookups. */
  reconnect(): FakeConnection {
    this.connection = new FakeConnection();
    this.connections.push(this.connection);
    return this.connection;
  }

  errors(): LogLine[] {
    return this.lines.filter((l) => l.level === 'error');
  }
}

const codecs = {
  none: ProtoCompressionType.NONE,
  lz4: ProtoCompressionType.LZ4,
  zlib: ProtoCompressionType.ZLIB,
  zstd: ProtoCompressionType.ZSTD,
  snappy: ProtoCompressionType.SNAPPY,
} as const;
export type Codec = keyof typeof codecs;
export const allCodecs = Object.keys(codecs) as Codec[];

/** MessageMetadata fields as a plain object (required ones get defaults here). */
type MetadataInit = Exclude<MessageInitShape<typeof MessageMetadataSchema>, MessageMetadata>;

function inbound(
  metadata: MetadataInit,
  raw: Uint8Array,
  codec: Codec,
  checksumValid = true,
): InboundPayload {
  const compression = codecs[codec];
  const payload = compress(compression, raw);
  return {
    brokerEntryMetadata: undefined,
    metadata: create(MessageMetadataSchema, {
      producerName: 'producer-a',
      sequenceId: 7n,
      publishTime: 1_700_000_000_000n,
      ...metadata,
      ...(compression === ProtoCompressionType.NONE ? {} : { compression, uncompressedSize: raw.length }),
    }),
    payload,
    checksumValid,
  };
}

/** A non-batched message. */
export function single(
  payload: string | Uint8Array,
  metadata: MetadataInit = {},
  options: { codec?: Codec; checksumValid?: boolean } = {},
): InboundPayload {
  const raw = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return inbound(metadata, raw, options.codec ?? 'none', options.checksumValid);
}

/** A batch entry, compressed as a whole. */
export function batch(
  members: readonly ({ payload: string | Uint8Array } & SingleMessageMetadataInit)[],
  options: { codec?: Codec; metadata?: MetadataInit } = {},
): InboundPayload {
  const raw = encodeBatch(
    members.map(({ payload, ...metadata }) => ({
      metadata,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    })),
  );
  return inbound({ ...options.metadata, numMessagesInBatch: members.length }, raw, options.codec ?? 'none');
}

/**
 * Splits one message into chunks as a producer does: the payload is compressed first, then cut; every chunk
 * carries the whole message's metadata plus its chunk fields.
 */
export function chunks(
  uuid: string,
  payload: Uint8Array,
  count: number,
  options: { codec?: Codec; metadata?: MetadataInit } = {},
): InboundPayload[] {
  const compression = codecs[options.codec ?? 'none'];
  const compressed = compress(compression, payload);
  const size = Math.ceil(compressed.length / count);
  return Array.from({ length: count }, (_, chunkId) => ({
    brokerEntryMetadata: undefined,
    metadata: create(MessageMetadataSchema, {
      producerName: 'producer-a',
      sequenceId: 9n,
      publishTime: 1_700_000_000_000n,
      ...options.metadata,
      ...(compression === ProtoCompressionType.NONE ? {} : { compression, uncompressedSize: payload.length }),
      uuid,
      chunkId,
      numChunksFromMsg: count,
      totalChunkMsgSize: compressed.length,
    }),
    payload: compressed.subarray(chunkId * size, Math.min(compressed.length, (chunkId + 1) * size)),
    checksumValid: true,
  }));
}
