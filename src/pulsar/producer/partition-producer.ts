// The producer of one topic or one partition: registers with the owner broker (PRODUCER), numbers messages,
// batches and compresses them, writes SEND frames, matches receipts to the head of its pending queue, and on
// a lost connection re-registers and writes the whole pending queue again, in order, before anything new.
//
// State machine (re-checked after every await):
//   connecting ──registered──▶ ready ◀──registered── reconnecting
//        │                       │   └──link lost──────▶ │
//        │                       └──close()──▶ closing ──flushed──▶ closed
//        └──failed──▶ closed       (closing keeps reconnecting while messages wait; fatal errors close at once)
import type { Backoff } from '../backoff.ts';
import type { ClientContext, Connection } from '../connection/contract.ts';
import {
  AlreadyClosedError,
  InvalidArgumentError,
  ProducerQueueFullError,
  ProtocolError,
  PulsarError,
  ServerError,
  TimeoutError,
} from '../errors.ts';
import { PulsarMessageId } from '../message-id.ts';
import {
  type CommandSendError,
  type CommandSendReceipt,
  closeProducerCommand,
  producerCommand,
} from '../protocol/index.ts';
import type { CloseOptions, MessageId, OutgoingMessage, Producer } from '../types.ts';
import { KeepAlive, type Logger, monotonicNow, type Timer } from '../util/index.ts';
import { BatchBuilder } from './batch-builder.ts';
import { FlushTracker } from './flush-tracker.ts';
import { isFatal, Link, type LinkOwner } from './link.ts';
import { checkMessage } from './message-check.ts';
import type { ResolvedProducerOptions } from './options.ts';
import { PendingMessage, type SendOp } from './pending-message.ts';
import { PendingQueue } from './pending-queue.ts';
import { buildBatchOp, buildSingleOp, type OpContext, type OpTime } from './send-op.ts';

export const ProducerState = {
  /** Creating: the first PRODUCER is not answered yet. */
  Connecting: 'connecting',
  /** Registered on a connection: frames are written as they are built. */
  Ready: 'ready',
  /** The connection or the registration is gone: sends wait in the queue while we re-register. */
  Reconnecting: 'reconnecting',
  /** close() was called: no new sends; flushing what was accepted (re-registering if the link drops). */
  Closing: 'closing',
  Closed: 'closed',
} as const;
export type ProducerState = (typeof ProducerState)[keyof typeof ProducerState];

/** Before the first CONNECTED is seen: the broker's default maxMessageSize (5 MiB). */
const DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;

export interface PartitionProducerInit {
  readonly context: ClientContext;
  readonly options: ResolvedProducerOptions;
  /** Full topic name of this partition (or of the whole topic when not partitioned). */
  readonly topic: string;
  /** Partition index, -1 for a non-partitioned topic. */
  readonly partition: number;
}

export class PartitionProducer implements Producer, LinkOwner {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  #producerName = '';
  /** What every frame this producer builds needs; replaced when the broker confirms a name. */
  #opContext: OpContext;
  #lastSequenceId = -1n;

  readonly #context: ClientContext;
  readonly #options: ResolvedProducerOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #state: ProducerState = ProducerState.Connecting;
  /** Why the producer closed on its own (a fatal broker error), reported to later sends. */
  #failure: Error | undefined;

  // Registration.
  #link: Link | undefined;
  #epoch = 0n;
  #seeded = false;
  #nextSequenceId = 0n;
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  #reconnecting = false;
  #wakeReconnect: (() => void) | undefined;

  // Messages. `#inFlight` counts messages accepted and not yet settled (batch + pending queue), bounded by
  // maxPendingMessages; `#blocked` holds sends waiting for room, admitted in order as room frees up.
  readonly #batch: BatchBuilder;
  #batchTimer: Timer | undefined;
  readonly #pending = new PendingQueue<SendOp>();
  /** How many ops from the head of #pending are written on the current link. */
  #written = 0;
  #writeBlocked = false;
  #inFlight = 0;
  readonly #blocked = new PendingQueue<PendingMessage>();
  #timeoutTimer: Timer | undefined;

  readonly #flushes = new FlushTracker();
  /** Held while sends are pending, so that awaiting one keeps the process alive through a reconnect. */
  readonly #hold: KeepAlive;
  #closePromise: Promise<void> | undefined;
  /** Monotonic time by which close() fails what is still pending (close({ timeoutMs })). */
  #closeDeadline: number | undefined;
  #closeTimer: Timer | undefined;

  private constructor(init: PartitionProducerInit) {
    this.#context = init.context;
    this.#options = init.options;
    this.topic = init.topic;
    this.partition = init.partition;
    this.producerId = init.context.newProducerId();
    this.#log = init.context.logger.child({ topic: init.topic, producerId: String(this.producerId) });
    this.#backoff = init.context.newBackoff();
    this.#batch = new BatchBuilder(init.options.batchingMaxMessages, init.options.batchingMaxBytes);
    this.#hold = new KeepAlive(init.context.clock);
    this.#opContext = {
      producerId: this.producerId,
      producerName: '',
      compressionType: init.options.compressionType,
    };
  }

  /**
   * Registers a producer with the topic's broker. Retriable failures are retried with backoff for up to the
   * client's operation timeout; fatal ones (and the last retriable one) reject.
   */
  static async create(init: PartitionProducerInit): Promise<PartitionProducer> {
    const producer = new PartitionProducer(init);
    await producer.#start();
    return producer;
  }

  get producerName(): string {
    return this.#producerName;
  }

  get lastSequenceId(): bigint {
    return this.#lastSequenceId;
  }

  get state(): ProducerState {
    return this.#state;
  }

  send(message: OutgoingMessage): Promise<MessageId> {
    if (this.#state !== ProducerState.Ready && this.#state !== ProducerState.Reconnecting) {
      return Promise.reject(this.#closedError());
    }
    const invalid = checkMessage(message);
    if (invalid !== undefined) return Promise.reject(invalid);
    const size = message.payload.length;
    if (size > this.#maxMessageSize) return Promise.reject(this.#tooLarge(size));
    const full = this.#inFlight >= this.#options.maxPendingMessages || this.#blocked.size > 0;
    if (full && !this.#options.blockIfQueueFull) {
      return Promise.reject(new ProducerQueueFullError(this.#options.maxPendingMessages));
    }
    const pending = new PendingMessage(message);
    const promise = new Promise<MessageId>((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
    });
    if (full) this.#blocked.push(pending);
    else this.#admit(pending);
    return promise;
  }

  flush(): Promise<void> {
    const done = this.#flushes.waitFor(this.#blocked.size);
    if (done === undefined) return Promise.resolve();
    if (this.#batch.size > 0) this.#sendBatch();
    return done;
  }

  /**
   * Flushes, then closes; idempotent. With `timeoutMs`, what is still pending when it runs out fails with
   * TimeoutError and the producer closes anyway (a later call may shorten the deadline, never extend it).
   */
  close(options?: CloseOptions): Promise<void> {
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined) {
      if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
        return Promise.reject(
          new InvalidArgumentError(
            'timeoutMs',
            `expected a non-negative integer, got \`${String(timeoutMs)}\``,
          ),
        );
      }
      this.#armCloseDeadline(timeoutMs);
    }
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  // ── Sending ──────────────────────────────────────────────────────────────────────────────────────────

  /** The message enters the producer's order: it gets its sequence id and goes to the batch or the queue. */
  #admit(pending: PendingMessage): void {
    const index = this.#flushes.accept();
    this.#inFlight++;
    const explicit = pending.message.sequenceId;
    pending.sequenceId = explicit ?? this.#nextSequenceId++;
    this.#hold.busy(true);
    if (!this.#options.batchingEnabled) {
      const op = this.#build([pending], (time) => buildSingleOp(this.#opContext, pending, time));
      if (op !== undefined) this.#enqueue(op);
      return;
    }
    const size = pending.message.payload.length;
    if (!this.#batch.hasRoom(size)) this.#sendBatch();
    this.#batch.add(pending, size);
    if (this.#batch.isFull || this.#flushes.isUrgent(index)) this.#sendBatch();
    else
      this.#batchTimer ??= this.#context.clock.setTimeout(
        this.#onBatchTimer,
        this.#options.batchingMaxPublishDelayMs,
      );
  }

  readonly #onBatchTimer = (): void => {
    this.#batchTimer = undefined;
    if (this.#batch.size > 0) this.#sendBatch();
  };

  #sendBatch(): void {
    this.#batchTimer?.cancel();
    this.#batchTimer = undefined;
    const messages = this.#batch.take();
    if (messages.length === 0) return;
    // A batch of one goes out as a plain message, as Apache's Java client does: no batch framing, and the
    // message id the caller gets is the one a consumer sees.
    if (messages.length === 1) {
      const op = this.#build(messages, (time) => buildSingleOp(this.#opContext, messages[0]!, time));
      if (op !== undefined) this.#enqueue(op);
      return;
    }
    const op = this.#build(messages, (time) => buildBatchOp(this.#opContext, messages, time));
    if (op === undefined) return;
    if (op.payload.length <= this.#maxMessageSize) {
      this.#enqueue(op);
      return;
    }
    // batchingMaxBytes above the broker's limit, and the per-message headers tipped the batch over it: each
    // message fits on its own (checked in send), so send them one by one, in order.
    for (const message of messages) {
      const single = this.#build([message], (time) => buildSingleOp(this.#opContext, message, time));
      if (single !== undefined) this.#enqueue(single);
    }
  }

  /**
   * Builds the frame of messages already taken from the batch (or of one message). This runs inside the
   * batch timer too, so it must not throw: if building fails, those messages fail with the error (every
   * field was checked in send(), so this is a last resort) and the producer goes on with the others.
   */
  #build(messages: readonly PendingMessage[], build: (time: OpTime) => SendOp): SendOp | undefined {
    const clock = this.#context.clock;
    try {
      return build({ publishTime: clock.now(), createdAt: monotonicNow(clock) });
    } catch (cause) {
      this.#failUnsent(messages, cause);
      return undefined;
    }
  }

  /** Messages that will never be written (their frame could not be built or encoded) fail with the cause. */
  #failUnsent(messages: readonly PendingMessage[], cause: unknown): void {
    const error =
      cause instanceof PulsarError
        ? cause
        : new PulsarError(`cannot encode the message: ${String(cause)}`, { retriable: false, cause });
    this.#log.error(
      { err: error, messages: messages.length },
      'could not build a SEND frame: messages failed',
    );
    for (const message of messages) message.reject(error);
    this.#inFlight -= messages.length;
    this.#flushes.settle(messages.length);
    this.#afterSettling();
  }

  #enqueue(op: SendOp): void {
    // Guard: the broker would drop the connection over a frame above its limit (and we would resend it forever).
    if (op.payload.length > this.#maxMessageSize) {
      this.#settleFailed(op, this.#tooLarge(op.payload.length));
      this.#afterSettling();
      return;
    }
    this.#pending.push(op);
    this.#armSendTimeout();
    this.#pump();
  }

  /** Writes every op of the queue not yet written on the current link, until the socket pushes back. */
  #pump(): void {
    const link = this.#link;
    if (link === undefined || this.#writeBlocked) return;
    const connection = link.connection;
    while (this.#written < this.#pending.size) {
      const op = this.#pending.at(this.#written)!;
      let writable: boolean;
      try {
        writable = connection.sendPayload(op.command, op.metadata, op.payload);
      } catch (cause) {
        // Encoding failed (never for a message send() accepted): the broker never sees this frame, so it
        // leaves the queue here, or every receipt after it would look out of order.
        this.#pending.removeAt(this.#written);
        this.#failUnsent(op.messages, cause);
        // Settling may have let blocked sends in, and they pumped already.
        if (this.#link !== link || this.#writeBlocked) return;
        continue;
      }
      this.#written++;
      if (!writable) {
        this.#writeBlocked = true;
        connection.waitWritable().then(
          () => this.#resumeWrites(link),
          () => this.#resumeWrites(link),
        );
        return;
      }
      // Writing may have told us the link is gone (handleLinkLost ran): stop here.
      if (this.#link !== link) return;
    }
  }

  #resumeWrites(link: Link): void {
    if (this.#link !== link) return;
    this.#writeBlocked = false;
    this.#pump();
  }

  // ── Receipts, errors and timeouts ───────────────────────────────────────────────────────────────────

  handleReceipt(link: Link, receipt: CommandSendReceipt): void {
    if (link !== this.#link) return;
    const op = this.#pending.peek();
    if (op === undefined) {
      this.#log.debug({ sequenceId: String(receipt.sequenceId) }, 'receipt with nothing pending: ignored');
      return;
    }
    if (receipt.sequenceId > op.sequenceId) {
      // The broker persisted something we have not seen it take: our view and the broker's differ. Drop the
      // connection so that the whole queue is written again.
      this.#log.warn(
        { sequenceId: String(receipt.sequenceId), expected: String(op.sequenceId) },
        'receipt ahead of the pending queue: closing the connection to resend',
      );
      link.connection.close();
      return;
    }
    if (receipt.sequenceId < op.sequenceId) {
      // For a message that already failed on its send timeout.
      this.#log.debug({ sequenceId: String(receipt.sequenceId) }, 'receipt for a timed-out message: ignored');
      return;
    }
    this.#shiftHead();
    if (op.highestSequenceId > this.#lastSequenceId) this.#lastSequenceId = op.highestSequenceId;
    const ledgerId = receipt.messageId?.ledgerId ?? -1n;
    const entryId = receipt.messageId?.entryId ?? -1n;
    const messages = op.messages;
    const count = messages.length;
    for (let i = 0; i < count; i++) {
      const id = op.batched
        ? new PulsarMessageId(ledgerId, entryId, this.partition, i, count)
        : new PulsarMessageId(ledgerId, entryId, this.partition);
      messages[i]!.resolve(id);
    }
    this.#inFlight -= count;
    this.#flushes.settle(count);
    this.#afterSettling();
  }

  handleSendError(link: Link, command: CommandSendError): void {
    if (link !== this.#link) return;
    const error = new ServerError(command.error, command.message);
    if (isFatal(error)) {
      this.#log.error({ error: error.message }, 'send failed for good: closing the producer');
      this.#fail(error);
      return;
    }
    this.#log.warn({ error: error.message }, 'send failed: closing the connection to resend');
    link.connection.close();
  }

  readonly #onSendTimeout = (): void => {
    this.#timeoutTimer = undefined;
    const limit = this.#options.sendTimeoutMs;
    const now = monotonicNow(this.#context.clock);
    let failed = false;
    for (
      let op = this.#pending.peek();
      op !== undefined && op.createdAt + limit <= now;
      op = this.#pending.peek()
    ) {
      this.#shiftHead();
      this.#settleFailed(
        op,
        new TimeoutError(`no receipt from the broker within sendTimeoutMs (${limit} ms)`),
      );
      failed = true;
    }
    this.#armSendTimeout();
    if (failed) this.#afterSettling();
  };

  #armSendTimeout(): void {
    const limit = this.#options.sendTimeoutMs;
    if (limit === 0 || this.#timeoutTimer !== undefined) return;
    const head = this.#pending.peek();
    if (head === undefined) return;
    const delay = Math.max(0, head.createdAt + limit - monotonicNow(this.#context.clock));
    this.#timeoutTimer = this.#context.clock.setTimeout(this.#onSendTimeout, delay);
  }

  #shiftHead(): void {
    this.#pending.shift();
    if (this.#written > 0) this.#written--;
  }

  #settleFailed(op: SendOp, error: Error): void {
    for (const message of op.messages) message.reject(error);
    this.#inFlight -= op.messages.length;
    this.#flushes.settle(op.messages.length);
  }

  /** After messages settled: let blocked sends in, in order, as far as there is room. */
  #afterSettling(): void {
    const max = this.#options.maxPendingMessages;
    while (this.#blocked.size > 0 && this.#inFlight < max && this.#state !== ProducerState.Closed) {
      this.#admit(this.#blocked.shift()!);
    }
    this.#hold.busy(this.#inFlight > 0 || this.#blocked.size > 0);
  }

  #tooLarge(size: number): InvalidArgumentError {
    return new InvalidArgumentError(
      'payload',
      `message of ${size} bytes exceeds the broker's maximum message size of ${this.#maxMessageSize} bytes`,
    );
  }

  #closedError(): Error {
    return this.#failure ?? new AlreadyClosedError(`producer of ${this.topic}`);
  }

  // ── Registration and reconnection ───────────────────────────────────────────────────────────────────

  async #start(): Promise<void> {
    const clock = this.#context.clock;
    const deadline = monotonicNow(clock) + this.#context.operationTimeoutMs;
    for (;;) {
      try {
        await this.#register();
        return;
      } catch (error) {
        const delay = this.#backoff.next();
        const retriable = error instanceof PulsarError && error.retriable && !isFatal(error);
        if (!retriable || monotonicNow(clock) + delay >= deadline) {
          this.#state = ProducerState.Closed;
          throw error;
        }
        this.#log.warn(
          { error: String(error), delayMs: delay },
          'could not create the producer yet: retrying',
        );
        await this.#sleep(delay);
        this.#epoch++;
      }
    }
  }

  /** True while the producer needs a registration: to create it, to send, or to flush before closing. */
  #wantsLink(): boolean {
    switch (this.#state) {
      case ProducerState.Connecting:
      case ProducerState.Reconnecting:
        return true;
      case ProducerState.Closing:
        return this.#inFlight > 0 || this.#blocked.size > 0;
      default:
        return false;
    }
  }

  /** Looks the topic up, sends PRODUCER and, if the producer is still wanted, makes that link current. */
  async #register(): Promise<void> {
    const connection = await this.#context.connectionForTopic(this.topic);
    if (!this.#wantsLink()) return;
    const link = new Link(this, connection);
    connection.registerProducer(this.producerId, link);
    let response: Awaited<ReturnType<Connection['request']>>;
    try {
      response = await connection.request((requestId) =>
        producerCommand({
          topic: this.topic,
          producerId: this.producerId,
          requestId,
          // On reconnect, the name the broker gave us: the broker keys deduplication state by it.
          producerName: this.#seeded ? this.#producerName : this.#options.producerName,
          epoch: this.#epoch,
          userProvidedProducerName: this.#options.producerName !== undefined,
          metadata: this.#options.properties,
        }),
      );
    } catch (error) {
      connection.unregisterProducer(this.producerId);
      // The broker may still create the producer after we stopped waiting; the next PRODUCER with this id
      // would then be refused as "already present" (ServiceNotReady), which closes the shared connection.
      if (error instanceof TimeoutError && !connection.isClosed) this.#closeOnBroker(connection);
      throw error;
    }
    const success = response.producerSuccess;
    if (success === undefined) {
      connection.unregisterProducer(this.producerId);
      throw new ProtocolError(`expected PRODUCER_SUCCESS, got command type ${response.type}`);
    }
    if (!this.#wantsLink() || connection.isClosed) {
      // Closed while we waited (or the connection dropped right after): leave the broker side tidy.
      connection.unregisterProducer(this.producerId);
      if (!connection.isClosed) this.#closeOnBroker(connection);
      if (this.#wantsLink())
        throw new PulsarError('connection closed during registration', { retriable: true });
      return;
    }
    this.#attach(link, success.producerName, success.lastSequenceId);
  }

  #attach(link: Link, producerName: string, lastSequenceId: bigint): void {
    this.#link = link;
    this.#producerName = producerName;
    this.#opContext = { ...this.#opContext, producerName };
    this.#maxMessageSize = link.connection.maxMessageSize;
    this.#batch.maxBytes = Math.min(this.#options.batchingMaxBytes, this.#maxMessageSize);
    if (!this.#seeded) {
      // Only the first registration seeds the generator: later ones must keep counting where we are.
      this.#seeded = true;
      if (lastSequenceId >= 0n) {
        this.#nextSequenceId = lastSequenceId + 1n;
        this.#lastSequenceId = lastSequenceId;
      } else {
        this.#nextSequenceId = this.#options.initialSequenceId ?? 0n;
      }
    }
    this.#backoff.reset();
    if (this.#state === ProducerState.Connecting || this.#state === ProducerState.Reconnecting) {
      this.#state = ProducerState.Ready;
    }
    this.#log.info({ producerName, epoch: String(this.#epoch) }, 'producer registered');
    // Everything still pending goes again, in order, before anything sent from now on.
    this.#written = 0;
    this.#writeBlocked = false;
    this.#pump();
  }

  handleLinkLost(link: Link, reason: string): void {
    if (link !== this.#link) return;
    this.#link = undefined;
    this.#written = 0;
    this.#writeBlocked = false;
    link.connection.unregisterProducer(this.producerId);
    if (this.#state === ProducerState.Ready) this.#state = ProducerState.Reconnecting;
    this.#log.info({ reason }, 'producer lost its registration: reconnecting');
    if (this.#wantsLink()) void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      while (this.#wantsLink() && this.#link === undefined) {
        const delay = this.#backoff.next();
        await this.#sleep(delay);
        if (!this.#wantsLink() || this.#link !== undefined) return;
        this.#epoch++;
        try {
          await this.#register();
        } catch (error) {
          if (isFatal(error)) {
            this.#log.error({ error: String(error) }, 'cannot re-register the producer: closing it');
            this.#fail(error as Error);
            return;
          }
          this.#log.warn({ error: String(error) }, 'reconnect attempt failed');
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#context.clock.setTimeout(() => {
        this.#wakeReconnect = undefined;
        resolve();
      }, ms);
      // close() and fatal errors cut the wait short.
      this.#wakeReconnect = () => {
        timer.cancel();
        this.#wakeReconnect = undefined;
        resolve();
      };
    });
  }

  // ── Closing ─────────────────────────────────────────────────────────────────────────────────────────

  async #close(): Promise<void> {
    if (this.#state === ProducerState.Closed) return;
    this.#state = ProducerState.Closing;
    await this.flush();
    // A fatal error may have closed the producer while we flushed.
    if (this.#state !== ProducerState.Closing) return;
    this.#state = ProducerState.Closed;
    this.#stopTimers();
    const link = this.#link;
    this.#link = undefined;
    if (link !== undefined && !link.connection.isClosed) {
      // Within what is left of the close deadline, if there is one.
      const deadline = this.#closeDeadline;
      const waitMs =
        deadline === undefined ? undefined : Math.max(1, deadline - monotonicNow(this.#context.clock));
      try {
        await link.connection.request(
          (requestId) => closeProducerCommand(this.producerId, requestId),
          waitMs,
        );
      } catch (error) {
        this.#log.debug({ error: String(error) }, 'CLOSE_PRODUCER failed; the producer is closed anyway');
      }
    }
    link?.connection.unregisterProducer(this.producerId);
    this.#log.info({}, 'producer closed');
  }

  #armCloseDeadline(timeoutMs: number): void {
    if (this.#state === ProducerState.Closed) return;
    const deadline = monotonicNow(this.#context.clock) + timeoutMs;
    if (this.#closeDeadline !== undefined && this.#closeDeadline <= deadline) return;
    this.#closeDeadline = deadline;
    this.#closeTimer?.cancel();
    this.#closeTimer = this.#context.clock.setTimeout(this.#onCloseDeadline, timeoutMs);
  }

  readonly #onCloseDeadline = (): void => {
    this.#closeTimer = undefined;
    if (this.#state !== ProducerState.Closing) return;
    const pending = this.#inFlight + this.#blocked.size;
    if (pending === 0) return;
    this.#log.warn({ pending }, 'close deadline reached: failing the messages still pending');
    // The flush close() waits for then completes, and close() goes on as usual.
    this.#failAllPending(
      new TimeoutError('the producer was closed before the broker receipted the message (close timeoutMs)'),
    );
  };

  /** Fatal error: every message waiting fails with it, and the producer closes. */
  #fail(error: Error): void {
    if (this.#state === ProducerState.Closed) return;
    this.#state = ProducerState.Closed;
    this.#failure = error;
    this.#stopTimers();
    const link = this.#link;
    this.#link = undefined;
    if (link !== undefined) {
      link.connection.unregisterProducer(this.producerId);
      if (!link.connection.isClosed) this.#closeOnBroker(link.connection);
    }
    this.#failAllPending(error);
  }

  /** Every message accepted or waiting for room fails with `error`. */
  #failAllPending(error: Error): void {
    for (const op of this.#pending.drain()) this.#settleFailed(op, error);
    this.#written = 0;
    const batched = this.#batch.take();
    for (const message of batched) message.reject(error);
    this.#flushes.settle(batched.length);
    const blocked = this.#blocked.drain();
    for (const message of blocked) message.reject(error);
    this.#flushes.acceptAndSettle(blocked.length);
    this.#inFlight = 0;
    this.#hold.busy(false);
  }

  #closeOnBroker(connection: Connection): void {
    connection.request((requestId) => closeProducerCommand(this.producerId, requestId)).catch(() => {});
  }

  #stopTimers(): void {
    this.#batchTimer?.cancel();
    this.#batchTimer = undefined;
    this.#timeoutTimer?.cancel();
    this.#timeoutTimer = undefined;
    this.#closeTimer?.cancel();
    this.#closeTimer = undefined;
    this.#wakeReconnect?.();
  }
}
