// One subscription on one topic or partition: subscribe, FLOW permits, decoding what the broker pushes into
// the shared receiver queue, acks and nacks, and resubscribing (same consumer id, after backoff) when the
// broker closes the consumer or the connection drops.
//
// What is never delivered as data, and what the broker is told:
//  - checksum mismatch: may have happened on the way, so the entry is asked for again (twice); the third
//    mismatch drops it with an ACK carrying validation_error=ChecksumMismatch (else the subscription would
//    stall on it forever). Every step is logged as an error.
//  - undecompressable payload, corrupt uncompressed_size, malformed batch: the bytes passed their checksum, so
//    they are what is stored and asking again cannot help: dropped at once with the matching
//    validation_error (as Go and Java do), logged as an error.
//  - encrypted (encryption_keys present): this client has no keys. Refused in order through the queue —
//    receive() rejects with EncryptedMessageError carrying the id — and never acknowledged by the client, so
//    it is never lost; the application may nack it (for a consumer that has the key) or leave it.
import type { Backoff } from '../backoff.ts';
import type { ClientContext, Connection, ConsumerHandler, InboundPayload } from '../connection/contract.ts';
import {
  AlreadyClosedError,
  ConnectionError,
  InvalidArgumentError,
  PulsarError,
  ServerError,
  ServerErrorCode,
  TimeoutError,
} from '../errors.ts';
import { compareMessageIds, type PulsarMessageId } from '../message-id.ts';
import {
  ackCommand,
  CommandAck_AckType,
  CommandAck_ValidationError,
  type CommandMessage,
  CommandMessageSchema,
  CommandSubscribe_InitialPosition,
  CommandSubscribe_SubType,
  closeConsumerCommand,
  flowCommand,
  isFieldSet,
  KeySharedMode,
  type MessageIdInit,
  redeliverCommand,
  subscribeCommand,
  unsubscribeCommand,
} from '../protocol/index.ts';
import { InitialPosition, type MessageId, SubscriptionType } from '../types.ts';
import { type Logger, monotonicNow, type Timer } from '../util/index.ts';
import { ackSetOf, clearedInAckSet, outstandingInAckSet } from './ack-set.ts';
import {
  type AckBatch,
  BatchAckTracker,
  type EntryAck,
  entryKey,
  entryOf,
  PendingAcks,
} from './ack-tracker.ts';
import { ChunkAssembler } from './chunks.ts';
import { FlowController } from './flow.ts';
import { type ConsumerMessage, ConsumerMessageId, EncryptedMessageError } from './message.ts';
import { decodeEntry, isBatch, PayloadError, toMessage } from './message-decoder.ts';
import { NegativeAcks } from './negative-acks.ts';
import { allowsCumulativeAck, type ResolvedConsumerOptions, redeliversEverything } from './options.ts';

export const PartitionState = {
  Idle: 'idle',
  Subscribing: 'subscribing',
  Ready: 'ready',
  /** Lost the broker; waiting out the backoff or resubscribing. */
  Reconnecting: 'reconnecting',
  Closing: 'closing',
  Closed: 'closed',
  /** Gave up: a resubscribe failed with an error retrying cannot fix. */
  Failed: 'failed',
} as const;
export type PartitionState = (typeof PartitionState)[keyof typeof PartitionState];

/** What the partition consumer puts in the receiver queue: a message, or a message it refuses to deliver. */
export type QueueItem =
  | { readonly owner: PartitionConsumer; readonly generation: number; readonly message: ConsumerMessage }
  | {
      readonly owner: PartitionConsumer;
      readonly generation: number;
      readonly refused: EncryptedMessageError;
      readonly id: ConsumerMessageId;
    };

/** The multi-topic front the partition consumer reports to. */
export interface PartitionSink {
  deliver(item: QueueItem): void;
  /** Removes and returns this partition's queued items (not yet handed out). */
  discardQueued(owner: PartitionConsumer): QueueItem[];
  /** The partition gave up for good. */
  failed(owner: PartitionConsumer, error: Error): void;
}

const subTypes = {
  [SubscriptionType.Exclusive]: CommandSubscribe_SubType.Exclusive,
  [SubscriptionType.Shared]: CommandSubscribe_SubType.Shared,
  [SubscriptionType.Failover]: CommandSubscribe_SubType.Failover,
  [SubscriptionType.KeyShared]: CommandSubscribe_SubType.Key_Shared,
} as const;

/** Bad checksums may come from the wire: ask for the entry this many times before dropping it. */
const checksumAttempts = 3;
/** Bound of the per-entry attempt counts kept for that. */
const attemptsKept = 1000;
/** Extra room over CONNECTED.max_message_size a batch may decompress to. */
const uncompressedSlack = 10 * 1024;

function isFatalOnFirstSubscribe(error: unknown): boolean {
  if (error instanceof ServerError && error.code === ServerErrorCode.ConsumerBusy) return true;
  return !(error instanceof PulsarError && error.retriable);
}

/** Broker answers after which resubscribing can never work: the topic or subscription is gone or refused. */
const fatalOnResubscribe: ReadonlySet<number> = new Set([
  ServerErrorCode.TopicNotFound,
  ServerErrorCode.SubscriptionNotFound,
  ServerErrorCode.NotAllowedError,
  ServerErrorCode.InvalidTopicName,
  ServerErrorCode.IncompatibleSchema,
]);

/**
 * A consumer that was subscribed gives up only on an explicit list; anything else — an auth data read
 * hiccup, a TLS error while certificates rotate, an expiring token refused (AuthenticationError,
 * AuthorizationError), a broker handing out a bad lookup answer, ConsumerBusy while the broker has not yet
 * noticed our old half-open connection — may pass, so it is retried with backoff (and logged each time)
 * rather than ending the whole consumer.
 */
function isFatalOnResubscribe(error: unknown): boolean {
  if (error instanceof AlreadyClosedError) return true;
  return error instanceof ServerError && fatalOnResubscribe.has(error.code);
}

function idData(id: MessageId): MessageIdInit {
  return { ledgerId: id.ledgerId, entryId: id.entryId };
}

/** A partial ack carries the members still outstanding now; once none is, it is a plain entry ack. */
function ackData(ack: EntryAck): MessageIdInit {
  if (ack.partial === undefined) return idData(ack.entry);
  return { ...idData(ack.entry), ackSet: ackSetOf(ack.partial.outstanding) };
}

export class PartitionConsumer {
  readonly topic: string;
  /** Partition index, -1 for a non-partitioned topic. */
  readonly partition: number;
  readonly consumerId: bigint;
  readonly #context: ClientContext;
  readonly #options: ResolvedConsumerOptions;
  readonly #sink: PartitionSink;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  readonly #flow: FlowController;
  readonly #batches: BatchAckTracker;
  readonly #pendingAcks: PendingAcks;
  readonly #nacks: NegativeAcks;
  readonly #chunks: ChunkAssembler;
  /** Chunked messages handed out: the last chunk's entry → every chunk, acked or nacked together. */
  readonly #chunkedIds = new Map<string, readonly PulsarMessageId[]>();
  readonly #checksumFailures = new Map<string, number>();
  #state: PartitionState = PartitionState.Idle;
  #connection: Connection | undefined;
  /** Bumped for every connection attempt; callbacks and queued items of older ones are ignored. */
  #generation = 0;
  /** Broker-side epoch of redeliveries (Exclusive/Failover), so messages sent before one can be dropped. */
  #epoch = 0n;
  #lostWhileSubscribing = false;
  #sleep: { timer: Timer; wake: () => void } | undefined;
  #closing: Promise<void> | undefined;
  #reachedEndOfTopic = false;

  constructor(
    context: ClientContext,
    options: ResolvedConsumerOptions,
    topic: string,
    partition: number,
    sink: PartitionSink,
  ) {
    this.#context = context;
    this.#options = options;
    this.topic = topic;
    this.partition = partition;
    this.#sink = sink;
    this.consumerId = context.newConsumerId();
    this.#logger = context.logger.child({
      topic,
      subscription: options.subscription,
      consumerId: this.consumerId.toString(),
    });
    this.#backoff = context.newBackoff();
    this.#batches = new BatchAckTracker(options.batchIndexAckEnabled);
    this.#flow = new FlowController(options.receiverQueueSize, (permits) =>
      this.#send(flowCommand(this.consumerId, permits)),
    );
    this.#pendingAcks = new PendingAcks((batch) => this.#sendAcks(batch));
    this.#nacks = new NegativeAcks(context.clock, options.negativeAckRedeliveryDelayMs, (entries) =>
      this.#redeliver(entries),
    );
    this.#chunks = new ChunkAssembler(options.maxPendingChunkedMessages, this.#logger);
  }

  get state(): PartitionState {
    return this.#state;
  }

  get isConnected(): boolean {
    return this.#state === PartitionState.Ready;
  }

  get reachedEndOfTopic(): boolean {
    return this.#reachedEndOfTopic;
  }

  /**
   * First subscribe. Retries retriable errors with backoff until the operation timeout; ConsumerBusy (an
   * Exclusive subscription already taken) and other non-retriable errors fail at once.
   */
  async subscribe(): Promise<void> {
    if (this.#state !== PartitionState.Idle) throw new Error(`subscribe() in state ${this.#state}`);
    this.#state = PartitionState.Subscribing;
    const deadline = monotonicNow(this.#context.clock) + this.#context.operationTimeoutMs;
    for (;;) {
      try {
        await this.#connectOnce();
        return;
      } catch (error) {
        if (this.#isStopping()) throw new AlreadyClosedError('consumer');
        const delay = this.#backoff.next();
        if (isFatalOnFirstSubscribe(error) || monotonicNow(this.#context.clock) + delay > deadline) {
          this.#state = PartitionState.Failed;
          throw error;
        }
        this.#logger.warn({ err: error, retryInMs: delay }, 'subscribe failed, retrying');
        await this.#wait(delay);
        if (this.#isStopping()) throw new AlreadyClosedError('consumer');
      }
    }
  }

  /** The application took a queued item: count it towards the next FLOW. */
  taken(item: QueueItem): void {
    if ('message' in item) this.#batches.handedOut(item.message.messageId);
    if (item.generation === this.#generation && this.#state === PartitionState.Ready) this.#flow.consumed(1);
  }

  acknowledge(id: MessageId): void {
    this.#checkOpen();
    const chunks = this.#chunkedIds.get(entryKey(id));
    if (chunks !== undefined) {
      this.#chunkedIds.delete(entryKey(id));
      for (const chunk of chunks) this.#pendingAcks.addIndividual({ entry: entryOf(chunk) });
      return;
    }
    const ack = this.#batches.acknowledge(id);
    if (ack !== undefined) this.#pendingAcks.addIndividual(ack);
  }

  acknowledgeCumulative(id: MessageId): void {
    this.#checkOpen();
    if (!allowsCumulativeAck(this.#options.subscriptionType)) {
      throw new InvalidArgumentError(
        'subscriptionType',
        `cumulative acknowledgement is not allowed on ${this.#options.subscriptionType} subscriptions`,
      );
    }
    const ack = this.#batches.acknowledgeCumulative(id);
    if (ack === undefined) return;
    // The cumulative ack covers the chunks of every chunked message up to here.
    for (const [key, chunks] of this.#chunkedIds) {
      const last = chunks[chunks.length - 1];
      if (last !== undefined && compareMessageIds(last, ack.entry) <= 0) this.#chunkedIds.delete(key);
    }
    this.#pendingAcks.addCumulative(ack);
  }

  negativeAcknowledge(id: MessageId): void {
    this.#checkOpen();
    const chunks = this.#chunkedIds.get(entryKey(id));
    if (chunks !== undefined) {
      this.#chunkedIds.delete(entryKey(id));
      for (const chunk of chunks) this.#nacks.add(entryOf(chunk));
      return;
    }
    this.#nacks.add(entryOf(id));
  }

  async unsubscribe(): Promise<void> {
    this.#checkOpen();
    const connection = this.#connection;
    if (this.#state !== PartitionState.Ready || connection === undefined) {
      throw new ConnectionError(`cannot unsubscribe from ${this.topic} while reconnecting; try again`);
    }
    await connection.request((requestId) => unsubscribeCommand(this.consumerId, requestId));
    // The broker closed the consumer along with the subscription.
    this.#shutDown();
    connection.unregisterConsumer(this.consumerId);
  }

  /** Flushes pending acks, sends CLOSE_CONSUMER, unregisters. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasReady = this.#state === PartitionState.Ready;
    const connection = this.#connection;
    if (wasReady) this.#pendingAcks.flushNow();
    this.#state = PartitionState.Closing;
    this.#wake();
    this.#nacks.clear();
    this.#flow.stop();
    if (wasReady && connection !== undefined) {
      try {
        await connection.request((requestId) => closeConsumerCommand(this.consumerId, requestId));
      } catch (error) {
        this.#logger.debug(
          { err: error },
          'CLOSE_CONSUMER failed; the broker drops the consumer with the connection',
        );
      }
      connection.unregisterConsumer(this.consumerId);
    }
    this.#shutDown();
  }

  #shutDown(): void {
    this.#state = PartitionState.Closed;
    this.#connection = undefined;
    this.#nacks.clear();
    this.#flow.stop();
    this.#chunks.clear();
    this.#wake();
  }

  #checkOpen(): void {
    if (this.#isStopping()) throw new AlreadyClosedError('consumer');
  }

  #isStopping(): boolean {
    const s = this.#state;
    return s === PartitionState.Closing || s === PartitionState.Closed || s === PartitionState.Failed;
  }

  // ---- connecting ----------------------------------------------------------------------------------

  async #connectOnce(): Promise<void> {
    const connection = await this.#context.connectionForTopic(this.topic);
    if (this.#isStopping()) throw new AlreadyClosedError('consumer');
    const generation = ++this.#generation;
    this.#lostWhileSubscribing = false;
    // Registered before SUBSCRIBE: ACTIVE_CONSUMER_CHANGE may come before the answer.
    connection.registerConsumer(this.consumerId, this.#handler(generation, connection));
    try {
      await connection.request((requestId) =>
        subscribeCommand({
          topic: this.topic,
          subscription: this.#options.subscription,
          subType: subTypes[this.#options.subscriptionType],
          consumerId: this.consumerId,
          requestId,
          consumerName: this.#options.consumerName,
          initialPosition:
            this.#options.initialPosition === InitialPosition.Earliest
              ? CommandSubscribe_InitialPosition.Earliest
              : CommandSubscribe_InitialPosition.Latest,
          keySharedMeta:
            this.#options.subscriptionType === SubscriptionType.KeyShared
              ? { keySharedMode: KeySharedMode.AUTO_SPLIT }
              : undefined,
          metadata: this.#options.properties,
          consumerEpoch: this.#epoch,
        }),
      );
    } catch (error) {
      if (generation === this.#generation) connection.unregisterConsumer(this.consumerId);
      // The broker may still create the consumer after we stopped waiting; the next SUBSCRIBE with this id
      // would then be refused as "already present" (ServiceNotReady), which closes the shared connection.
      if (error instanceof TimeoutError && !connection.isClosed) {
        connection.request((requestId) => closeConsumerCommand(this.consumerId, requestId)).catch(() => {});
      }
      throw error;
    }
    if (this.#isStopping()) {
      // close() ran while we waited: it saw no connection, so release the broker-side consumer here.
      connection.request((requestId) => closeConsumerCommand(this.consumerId, requestId)).catch(() => {});
      connection.unregisterConsumer(this.consumerId);
      throw new AlreadyClosedError('consumer');
    }
    this.#connection = connection;
    this.#state = PartitionState.Ready;
    this.#backoff.reset();
    this.#logger.info({ partition: this.partition }, 'subscribed');
    // Acks made while disconnected go first: FLOW lets the broker dispatch, and it should know them by then.
    this.#pendingAcks.flushNow();
    this.#flow.start();
    if (this.#lostWhileSubscribing)
      this.#lost(generation, new ConnectionError('broker closed the consumer while it subscribed'));
  }

  #handler(generation: number, connection: Connection): ConsumerHandler {
    const current = () => generation === this.#generation && !this.#isStopping();
    return {
      onMessage: (command, payload) => {
        if (current() && this.#state === PartitionState.Ready) this.#onMessage(command, payload, generation);
      },
      onActiveConsumerChange: (command) => {
        if (!current()) return;
        this.#logger.info({ active: command.isActive }, 'active consumer changed');
        // The broker rewinds for the newly active consumer, which gets these messages too: processed here
        // as well, they would come twice. Their permits are given back for when the partition returns.
        if (!command.isActive && this.#state === PartitionState.Ready) {
          this.#chunks.clear();
          this.#flow.consumed(this.#dropQueued());
        }
        try {
          this.#options.onActiveChange?.(command.isActive, this.partition, this.topic);
        } catch (error) {
          this.#logger.error({ err: error }, 'onActiveChange threw');
        }
      },
      onCloseConsumer: () => {
        if (!current()) return;
        // The connection stays up for the others; only this consumer moves.
        connection.unregisterConsumer(this.consumerId);
        this.#lost(generation, new ConnectionError('broker closed the consumer'));
      },
      onReachedEndOfTopic: () => {
        if (!current()) return;
        this.#reachedEndOfTopic = true;
        this.#logger.info({}, 'reached the end of a terminated topic');
      },
      onConnectionClosed: (error) => {
        if (current()) this.#lost(generation, error);
      },
    };
  }

  /** The broker side of this consumer is gone: drop what is prefetched and resubscribe after backoff. */
  #lost(generation: number, cause: Error): void {
    if (generation !== this.#generation || this.#isStopping()) return;
    if (this.#state === PartitionState.Subscribing) {
      this.#lostWhileSubscribing = true;
      return;
    }
    if (this.#state !== PartitionState.Ready) return;
    this.#logger.warn({ err: cause }, 'consumer lost its broker, resubscribing');
    this.#state = PartitionState.Reconnecting;
    this.#connection = undefined;
    this.#flow.stop();
    // Prefetched messages and partial chunks come again from the broker; pending nacks are moot for the same
    // reason. Messages already handed out stay valid: their acks are sent after the resubscribe.
    this.#dropQueued();
    this.#chunks.clear();
    this.#nacks.clear();
    void this.#reconnect();
  }

  /**
   * Drops this partition's prefetched messages (the broker sends them again) and the bookkeeping that only
   * they referenced. Returns how many were dropped.
   */
  #dropQueued(): number {
    const items = this.#sink.discardQueued(this);
    for (const item of items) {
      const id = 'message' in item ? item.message.messageId : item.id;
      this.#chunkedIds.delete(entryKey(id));
      if (id.batchIndex >= 0) this.#batches.forgetUntouched(id.ledgerId, id.entryId);
    }
    return items.length;
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 1; this.#state === PartitionState.Reconnecting; attempt++) {
      // Wait first, even before the first attempt: right after a broker drops us, the lookup would most
      // likely find the same broker still going away.
      await this.#wait(this.#backoff.next());
      if (this.#state !== PartitionState.Reconnecting) return;
      try {
        this.#state = PartitionState.Subscribing;
        await this.#connectOnce();
        return;
      } catch (error) {
        if (this.#isStopping()) return;
        if (isFatalOnResubscribe(error)) {
          this.#logger.error({ err: error }, 'resubscribe failed for good');
          this.#state = PartitionState.Failed;
          this.#shutDownFailed();
          this.#sink.failed(this, error as Error);
          return;
        }
        this.#state = PartitionState.Reconnecting;
        this.#logger.warn({ err: error, attempt }, 'resubscribe failed, retrying after backoff');
      }
    }
  }

  #shutDownFailed(): void {
    this.#connection = undefined;
    this.#nacks.clear();
    this.#flow.stop();
    this.#chunks.clear();
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleep = undefined;
        resolve();
      };
      this.#sleep = { timer: this.#context.clock.setTimeout(wake, ms), wake };
    });
  }

  #wake(): void {
    const sleep = this.#sleep;
    if (sleep === undefined) return;
    sleep.timer.cancel();
    sleep.wake();
  }

  // ---- sending ---------------------------------------------------------------------------------------

  #send(command: Parameters<Connection['send']>[0]): boolean {
    const connection = this.#connection;
    if (connection === undefined || connection.isClosed) return false;
    connection.send(command);
    return true;
  }

  #sendAcks(batch: AckBatch): boolean {
    if (this.#state !== PartitionState.Ready) return false;
    const individual = batch.individual.map(ackData);
    if (
      individual.length > 0 &&
      !this.#send(ackCommand(this.consumerId, CommandAck_AckType.Individual, individual))
    ) {
      return false;
    }
    if (batch.cumulative !== undefined) {
      this.#send(ackCommand(this.consumerId, CommandAck_AckType.Cumulative, [ackData(batch.cumulative)]));
    }
    return true;
  }

  /** Drops entries the application will never see, telling the broker why. */
  #ackInvalid(entries: readonly MessageId[], validationError: CommandAck_ValidationError): void {
    this.#send(
      ackCommand(this.consumerId, CommandAck_AckType.Individual, entries.map(idData), { validationError }),
    );
  }

  /**
   * Asks the broker for entries again. On Exclusive and Failover it rewinds to the first unacknowledged
   * message whatever ids we name, so the prefetched messages are dropped first (they would come twice) and
   * the epoch is raised so that messages already on the wire are dropped when they arrive.
   */
  #redeliver(entries: readonly MessageId[]): void {
    if (this.#state !== PartitionState.Ready) return;
    if (!redeliversEverything(this.#options.subscriptionType)) {
      this.#send(redeliverCommand(this.consumerId, entries.map(idData)));
      return;
    }
    this.#epoch++;
    const dropped = this.#dropQueued();
    this.#chunks.clear();
    this.#send(redeliverCommand(this.consumerId, [], this.#epoch));
    this.#flow.consumed(dropped);
  }

  // ---- receiving -------------------------------------------------------------------------------------

  #onMessage(command: CommandMessage, inbound: InboundPayload, generation: number): void {
    const position = command.messageId;
    if (position === undefined) {
      this.#logger.error({}, 'MESSAGE without a message id');
      return;
    }
    const metadata = inbound.metadata;
    const charged = this.#charged(metadata, command.ackSet);
    const entry = new ConsumerMessageId(this.topic, position.ledgerId, position.entryId, this.partition);

    if (
      isFieldSet(command, CommandMessageSchema.field.consumerEpoch) &&
      command.consumerEpoch < this.#epoch
    ) {
      // Sent before our last redelivery request: it will come again in order.
      this.#flow.consumed(charged);
      return;
    }
    if (!inbound.checksumValid) {
      this.#flow.consumed(charged);
      this.#onBadChecksum(entry);
      return;
    }

    let payload: Uint8Array = inbound.payload;
    let id = entry;
    let chunkIds: readonly PulsarMessageId[] | undefined;
    if (metadata.numChunksFromMsg > 1) {
      const outcome = this.#chunks.add(
        {
          uuid: metadata.uuid,
          chunkId: metadata.chunkId,
          numChunks: metadata.numChunksFromMsg,
          totalSize: metadata.totalChunkMsgSize,
        },
        entry,
        payload,
      );
      for (const copy of outcome.ack) this.#pendingAcks.addIndividual({ entry: entryOf(copy) });
      // Chunks of partial messages dropped here come back after the nack delay, never acked unseen.
      for (const chunk of outcome.redeliver) this.#nacks.add(entryOf(chunk));
      if (outcome.result.kind !== 'complete') {
        // Only the last chunk becomes a message; the others' permits are free again now.
        this.#flow.consumed(1);
        return;
      }
      payload = outcome.result.payload;
      chunkIds = outcome.result.chunkIds;
    }

    if (metadata.encryptionKeys.length > 0) {
      // Never acked: a consumer holding the key may still get it (Shared), and nothing is lost.
      const error = new EncryptedMessageError(
        this.topic,
        id,
        metadata.encryptionKeys.map((k) => k.key),
      );
      this.#logger.error({ messageId: id.toString() }, 'encrypted message refused');
      if (chunkIds !== undefined) this.#chunkedIds.set(entryKey(id), chunkIds);
      this.#sink.deliver({ owner: this, generation, refused: error, id });
      return;
    }

    let decoded: ReturnType<typeof decodeEntry>;
    try {
      const limit =
        chunkIds !== undefined
          ? Math.max(metadata.totalChunkMsgSize, metadata.uncompressedSize)
          : this.#maxSize();
      decoded = decodeEntry(metadata, payload, limit);
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      this.#flow.consumed(charged);
      // The bytes passed their checksum, so they are what the producer stored: asking again cannot help.
      this.#logger.error(
        { err: error, messageId: id.toString(), validationError: error.validationError },
        'undecodable entry dropped: acknowledged with a validation error, never delivered',
      );
      this.#ackInvalid(chunkIds ?? [entry], error.validationError);
      return;
    }

    const context = { topic: this.topic, metadata, redeliveryCount: command.redeliveryCount };
    if (!decoded.batched) {
      const member = decoded.members[0]!;
      if (chunkIds !== undefined) this.#chunkedIds.set(entryKey(id), chunkIds);
      this.#sink.deliver({ owner: this, generation, message: toMessage(context, member, id) });
      return;
    }

    const size = decoded.members.length;
    const ackSet = command.ackSet;
    // ack_set (batch-index acks kept by the broker): a cleared bit is a member already acknowledged, which
    // the broker did not charge a permit for.
    const clearedByBroker = (i: number) => clearedInAckSet(ackSet, i);
    const batchState = this.#batches.register(position.ledgerId, position.entryId, size, (i) => {
      return clearedByBroker(i) || decoded.members[i]?.single?.compactedOut === true;
    });
    let skipped = 0;
    if (batchState.remaining === 0) {
      for (let i = 0; i < size; i++) if (!clearedByBroker(i)) skipped++;
      this.#flow.consumed(skipped);
      this.#pendingAcks.addIndividual({ entry });
      return;
    }
    for (const member of decoded.members) {
      if (this.#batches.isAcked(position.ledgerId, position.entryId, member.index)) {
        if (!clearedByBroker(member.index)) skipped++;
        continue;
      }
      id = new ConsumerMessageId(
        this.topic,
        position.ledgerId,
        position.entryId,
        this.partition,
        member.index,
        size,
      );
      this.#batches.bind(id, batchState);
      this.#sink.deliver({ owner: this, generation, message: toMessage(context, member, id) });
    }
    this.#flow.consumed(skipped);
  }

  /**
   * What the broker charged against our permits for an entry dropped before it is decoded: one per message,
   * less the members cleared in ack_set. Clamped to the receiver queue: the metadata may be corrupt (a bad
   * checksum), and must never make us grant more than we ever gave, nor a FLOW beyond 32 bits.
   */
  #charged(metadata: InboundPayload['metadata'], ackSet: readonly bigint[]): number {
    if (!isBatch(metadata)) return 1;
    const count = outstandingInAckSet(ackSet, Math.max(1, metadata.numMessagesInBatch));
    return Math.min(count, this.#options.receiverQueueSize);
  }

  #onBadChecksum(entry: ConsumerMessageId): void {
    const key = entryKey(entry);
    const attempts = (this.#checksumFailures.get(key) ?? 0) + 1;
    this.#checksumFailures.delete(key);
    if (attempts < checksumAttempts) {
      this.#checksumFailures.set(key, attempts);
      if (this.#checksumFailures.size > attemptsKept) {
        const oldest = this.#checksumFailures.keys().next().value;
        if (oldest !== undefined) this.#checksumFailures.delete(oldest);
      }
      this.#logger.error(
        { messageId: entry.toString(), attempt: attempts, of: checksumAttempts },
        'checksum mismatch: entry not delivered, asking the broker for it again',
      );
      this.#redeliver([entry]);
      return;
    }
    this.#logger.error(
      { messageId: entry.toString(), attempts },
      'checksum mismatch again: entry dropped, acknowledged with a validation error, never delivered',
    );
    this.#ackInvalid([entry], CommandAck_ValidationError.ChecksumMismatch);
  }

  #maxSize(): number {
    return (this.#connection?.maxMessageSize ?? 5 * 1024 * 1024) + uncompressedSlack;
  }
}
