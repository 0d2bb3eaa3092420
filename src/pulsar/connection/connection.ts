// One handshaken connection to a broker: CONNECT/CONNECTED, request ids and their answers, routing of
// everything the broker sends by request, producer or consumer id (one switch, #dispatch), keepalive, auth
// challenges, and the close fan-out to pending requests and registered handlers.
import { ConnectionError, ProtocolError, ServerError, ServerErrorCode } from '../errors.ts';
import {
  authResponseCommand,
  type BaseCommand,
  connectCommand,
  decodeFrame,
  encodeCommand,
  encodePayloadCommandParts,
  CommandLookupTopicResponse_LookupType as LookupType,
  type MessageMetadata,
  CommandPartitionedTopicMetadataResponse_LookupType as MetadataLookupType,
  pingCommand,
  pongCommand,
  BaseCommand_Type as T,
} from '../protocol/index.ts';
import type { Authentication } from '../types.ts';
import { type Clock, type Logger, monotonicNow, type Timer } from '../util/index.ts';
import type { Connection, ConsumerHandler, InboundPayload, ProducerHandler } from './contract.ts';
import { FrameReader } from './frame-reader.ts';
import { PendingRequests } from './pending-requests.ts';
import type { Transport } from './transport.ts';

/** Broker default for max_message_size, used until (or when) CONNECTED says otherwise. */
export const DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;
/** Room for the command and metadata around a payload of max_message_size. */
export const FRAME_PADDING = 10 * 1024;

// Constant frames, encoded once; the transport never modifies what it writes.
const PING_FRAME = encodeCommand(pingCommand());
const PONG_FRAME = encodeCommand(pongCommand());

export const ConnectionState = {
  Handshaking: 'handshaking',
  Ready: 'ready',
  Closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface ConnectionOptions {
  /** A freshly dialed transport; the connection owns it from now on. */
  transport: Transport;
  /** `host:port` of the broker that serves the topics. */
  logicalAddress: string;
  /** `host:port` actually dialed; differs from the logical one when going through a proxy. */
  physicalAddress: string;
  authentication: Authentication | undefined;
  clock: Clock;
  logger: Logger;
  /** PING period; the connection is dropped after twice this long without any inbound byte. */
  keepAliveIntervalMs: number;
  /** Default deadline of request(). */
  operationTimeoutMs: number;
  /** Deadline of CONNECT → CONNECTED. */
  handshakeTimeoutMs: number;
}

interface Deferred {
  resolve(): void;
  reject(error: Error): void;
}

export class PulsarConnection implements Connection {
  readonly logicalAddress: string;
  readonly physicalAddress: string;
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  #protocolVersion = 0;
  #state: ConnectionState = ConnectionState.Handshaking;
  #closeError: Error | undefined;

  readonly #transport: Transport;
  readonly #authentication: Authentication | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #keepAliveIntervalMs: number;
  readonly #operationTimeoutMs: number;
  readonly #handshakeTimeoutMs: number;

  readonly #reader = new FrameReader(DEFAULT_MAX_MESSAGE_SIZE + FRAME_PADDING);
  readonly #pending: PendingRequests;
  readonly #producers = new Map<bigint, ProducerHandler>();
  readonly #consumers = new Map<bigint, ConsumerHandler>();
  readonly #closeListeners: Array<(error: Error) => void> = [];
  #drainWaiters: Array<() => void> = [];
  #nextRequestId = 0n;
  #lastReceivedAt: number;
  #keepAlive: Timer | undefined;
  #handshake: Deferred | undefined;

  /** Dials nothing: takes a connected transport, runs the handshake, resolves once CONNECTED arrived. */
  static async open(options: ConnectionOptions): Promise<PulsarConnection> {
    const connection = new PulsarConnection(options);
    await connection.#runHandshake();
    return connection;
  }

  private constructor(options: ConnectionOptions) {
    this.logicalAddress = options.logicalAddress;
    this.physicalAddress = options.physicalAddress;
    this.#transport = options.transport;
    this.#authentication = options.authentication;
    this.#clock = options.clock;
    this.#keepAliveIntervalMs = options.keepAliveIntervalMs;
    this.#operationTimeoutMs = options.operationTimeoutMs;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs;
    this.#pending = new PendingRequests(options.clock);
    this.#lastReceivedAt = monotonicNow(options.clock);
    this.#logger = options.logger.child(
      this.isProxied
        ? { broker: options.logicalAddress, proxy: options.physicalAddress }
        : { broker: options.logicalAddress },
    );
  }

  get maxMessageSize(): number {
    return this.#maxMessageSize;
  }

  get protocolVersion(): number {
    return this.#protocolVersion;
  }

  get isClosed(): boolean {
    return this.#state === ConnectionState.Closed;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** True when the bytes go through a proxy (CONNECT then names the broker in proxy_to_broker_url). */
  get isProxied(): boolean {
    return this.logicalAddress !== this.physicalAddress;
  }

  /** Calls `listener` once when the connection closes, with the reason (at once if already closed). */
  onClose(listener: (error: Error) => void): void {
    if (this.#closeError !== undefined) listener(this.#closeError);
    else this.#closeListeners.push(listener);
  }

  request(build: (requestId: bigint) => BaseCommand, timeoutMs?: number): Promise<BaseCommand> {
    if (this.#state !== ConnectionState.Ready) return Promise.reject(this.#notReadyError());
    const requestId = this.#nextRequestId++;
    let command: BaseCommand;
    try {
      command = build(requestId);
    } catch (error) {
      return Promise.reject(error);
    }
    const answer = this.#pending.add(
      requestId,
      timeoutMs ?? this.#operationTimeoutMs,
      commandName(command.type),
    );
    this.#transport.write(encodeCommand(command));
    return answer;
  }

  send(command: BaseCommand): void {
    // After a close the handlers have been told already; what they send meanwhile has nowhere to go.
    if (this.#state !== ConnectionState.Ready) return;
    this.#transport.write(encodeCommand(command));
  }

  sendPayload(command: BaseCommand, metadata: MessageMetadata, payload: Uint8Array): boolean {
    if (this.#state !== ConnectionState.Ready) return true;
    // Headers and payload as two writes of one tick: the transport sends them in one writev, no copy.
    const [head, body] = encodePayloadCommandParts(command, metadata, payload);
    this.#transport.write(head);
    return this.#transport.write(body);
  }

  waitWritable(): Promise<void> {
    if (this.#state === ConnectionState.Closed || !this.#transport.needsDrain) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  registerProducer(producerId: bigint, handler: ProducerHandler): void {
    // Registering on a dead connection would leave the handler waiting forever for onConnectionClosed.
    if (this.#state === ConnectionState.Closed) throw this.#notReadyError();
    this.#producers.set(producerId, handler);
  }

  unregisterProducer(producerId: bigint): void {
    this.#producers.delete(producerId);
  }

  registerConsumer(consumerId: bigint, handler: ConsumerHandler): void {
    if (this.#state === ConnectionState.Closed) throw this.#notReadyError();
    this.#consumers.set(consumerId, handler);
  }

  unregisterConsumer(consumerId: bigint): void {
    this.#consumers.delete(consumerId);
  }

  close(): void {
    // Our own decision, not a failure: let what handlers just wrote (acks, CLOSE_*) reach the broker.
    this.#closeWith(
      new ConnectionError(`connection to ${this.logicalAddress} was closed by the client`),
      true,
    );
  }

  // ---- handshake -------------------------------------------------------------------------------------------

  async #runHandshake(): Promise<void> {
    const connected = new Promise<void>((resolve, reject) => {
      this.#handshake = { resolve, reject };
    });
    // Settled by CONNECTED, ERROR, the deadline or a close; a rejection before we await it is still handled.
    connected.catch(() => {});
    const deadline = this.#clock.setTimeout(() => {
      this.#closeWith(
        new ConnectionError(`no CONNECTED from ${this.logicalAddress} within ${this.#handshakeTimeoutMs} ms`),
      );
    }, this.#handshakeTimeoutMs);
    this.#transport.start({
      onData: (chunk) => this.#onData(chunk),
      onDrain: () => this.#onDrain(),
      onClose: (error) =>
        this.#closeWith(
          new ConnectionError(
            `connection to ${this.logicalAddress} was lost${error ? `: ${error.message}` : ''}`,
            {
              cause: error,
            },
          ),
        ),
    });
    try {
      const authData = await this.#authentication?.getAuthData();
      if (this.#state === ConnectionState.Closed) throw this.#closeError;
      this.#transport.write(
        encodeCommand(
          connectCommand({
            authMethodName: this.#authentication?.methodName,
            authData,
            proxyToBrokerUrl: this.isProxied ? this.logicalAddress : undefined,
          }),
        ),
      );
      await connected;
    } catch (error) {
      this.#closeWith(error instanceof Error ? error : new ConnectionError(String(error)));
      throw error;
    } finally {
      deadline.cancel();
    }
  }

  #onConnected(command: BaseCommand): void {
    const connected = command.connected!;
    if (this.#state !== ConnectionState.Handshaking) {
      this.#logger.warn({}, 'CONNECTED after the handshake; ignored');
      return;
    }
    if (connected.maxMessageSize > 0) this.#maxMessageSize = connected.maxMessageSize;
    this.#protocolVersion = connected.protocolVersion;
    this.#reader.setMaxFrameSize(this.#maxMessageSize + FRAME_PADDING);
    this.#state = ConnectionState.Ready;
    this.#lastReceivedAt = monotonicNow(this.#clock);
    this.#keepAlive = this.#clock.setInterval(() => this.#onKeepAliveTick(), this.#keepAliveIntervalMs);
    this.#logger.debug(
      { serverVersion: connected.serverVersion, protocolVersion: this.#protocolVersion },
      'connection ready',
    );
    this.#handshake?.resolve();
    this.#handshake = undefined;
  }

  // ---- inbound ---------------------------------------------------------------------------------------------

  #onData(chunk: Uint8Array): void {
    if (this.#state === ConnectionState.Closed) return;
    this.#lastReceivedAt = monotonicNow(this.#clock);
    let frames: Uint8Array[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      this.#failProtocol(error);
      return;
    }
    for (const frame of frames) {
      // A frame before this one may have closed the connection.
      if (this.isClosed) return;
      let decoded: ReturnType<typeof decodeFrame>;
      try {
        decoded = decodeFrame(frame);
      } catch (error) {
        this.#failProtocol(error);
        return;
      }
      try {
        this.#dispatch(decoded.command, decoded.payload);
      } catch (error) {
        if (error instanceof ProtocolError) {
          this.#failProtocol(error);
          return;
        }
        // A handler's bug must not take the connection (and every other producer and consumer) down.
        this.#logger.error({ err: error, command: commandName(decoded.command.type) }, 'handler threw');
      }
    }
  }

  /** Routes one inbound command. Bodies are present: decodeFrame rejects commands without theirs. */
  #dispatch(command: BaseCommand, payload: InboundPayload | undefined): void {
    switch (command.type) {
      case T.MESSAGE: {
        const message = command.message!;
        const consumer = this.#consumers.get(message.consumerId);
        if (payload === undefined) throw new ProtocolError('MESSAGE frame without a payload');
        if (consumer === undefined) {
          this.#logger.debug({ consumerId: message.consumerId }, 'MESSAGE for an unknown consumer');
          return;
        }
        consumer.onMessage(message, payload);
        return;
      }
      case T.SEND_RECEIPT: {
        const receipt = command.sendReceipt!;
        const producer = this.#producers.get(receipt.producerId);
        if (producer === undefined)
          this.#logger.debug({ producerId: receipt.producerId }, 'receipt for no producer');
        else producer.onSendReceipt(receipt);
        return;
      }
      case T.SEND_ERROR: {
        const sendError = command.sendError!;
        this.#producers.get(sendError.producerId)?.onSendError(sendError);
        // Only these two are final answers about the message; after any other the broker may have dropped
        // the producer's state, so reconnect every producer here and let them resend (as the Go client does).
        if (
          sendError.error !== ServerErrorCode.NotAllowedError &&
          sendError.error !== ServerErrorCode.TopicTerminatedError
        ) {
          this.#closeWith(
            new ConnectionError(
              `broker failed a send: ${new ServerError(sendError.error, sendError.message).message}`,
            ),
          );
        }
        return;
      }
      case T.PING:
        this.#transport.write(PONG_FRAME);
        return;
      case T.PONG:
        return;
      case T.SUCCESS:
        this.#answer(command.success!.requestId, command);
        return;
      case T.ERROR: {
        const error = command.error!;
        if (this.#state === ConnectionState.Handshaking) {
          this.#handshake?.reject(new ServerError(error.error, error.message));
          return;
        }
        this.#answerError(error.requestId, error.error, error.message);
        return;
      }
      case T.PRODUCER_SUCCESS: {
        const success = command.producerSuccess!;
        // Not ready: the producer waits its turn for exclusive access; the final answer comes later, untimed.
        if (success.producerReady) this.#answer(success.requestId, command);
        else this.#pending.disarmTimeout(success.requestId);
        return;
      }
      case T.LOOKUP_RESPONSE: {
        const lookup = command.lookupTopicResponse!;
        if (lookup.response === LookupType.Failed)
          this.#answerError(lookup.requestId, lookup.error, lookup.message);
        else this.#answer(lookup.requestId, command);
        return;
      }
      case T.PARTITIONED_METADATA_RESPONSE: {
        const metadata = command.partitionMetadataResponse!;
        if (metadata.response === MetadataLookupType.Failed) {
          this.#answerError(metadata.requestId, metadata.error, metadata.message);
        } else {
          this.#answer(metadata.requestId, command);
        }
        return;
      }
      case T.GET_TOPICS_OF_NAMESPACE_RESPONSE:
        this.#answer(command.getTopicsOfNamespaceResponse!.requestId, command);
        return;
      case T.GET_LAST_MESSAGE_ID_RESPONSE:
        this.#answer(command.getLastMessageIdResponse!.requestId, command);
        return;
      case T.CONSUMER_STATS_RESPONSE: {
        const stats = command.consumerStatsResponse!;
        if (stats.errorMessage !== '')
          this.#answerError(stats.requestId, stats.errorCode, stats.errorMessage);
        else this.#answer(stats.requestId, command);
        return;
      }
      case T.ACK_RESPONSE: {
        const ack = command.ackResponse!;
        if (ack.message !== '') this.#answerError(ack.requestId, ack.error, ack.message);
        else this.#answer(ack.requestId, command);
        return;
      }
      case T.CLOSE_PRODUCER: {
        const close = command.closeProducer!;
        const producer = this.#producers.get(close.producerId);
        // The producer re-registers when it reconnects; until then nothing on this connection is its.
        this.#producers.delete(close.producerId);
        this.#logger.info({ producerId: close.producerId }, 'broker closed a producer');
        producer?.onCloseProducer(close);
        return;
      }
      case T.CLOSE_CONSUMER: {
        const close = command.closeConsumer!;
        const consumer = this.#consumers.get(close.consumerId);
        this.#consumers.delete(close.consumerId);
        this.#logger.info({ consumerId: close.consumerId }, 'broker closed a consumer');
        consumer?.onCloseConsumer(close);
        return;
      }
      case T.ACTIVE_CONSUMER_CHANGE: {
        const change = command.activeConsumerChange!;
        this.#consumers.get(change.consumerId)?.onActiveConsumerChange(change);
        return;
      }
      case T.REACHED_END_OF_TOPIC: {
        const end = command.reachedEndOfTopic!;
        this.#consumers.get(end.consumerId)?.onReachedEndOfTopic(end);
        return;
      }
      case T.AUTH_CHALLENGE:
        void this.#answerAuthChallenge();
        return;
      case T.CONNECTED:
        this.#onConnected(command);
        return;
      default:
        this.#logger.warn(
          { command: commandName(command.type) },
          'unexpected command from the broker; ignored',
        );
    }
  }

  #answer(requestId: bigint, command: BaseCommand): void {
    if (!this.#pending.resolve(requestId, command)) {
      this.#logger.debug({ requestId, command: commandName(command.type) }, 'answer to no pending request');
    }
  }

  #answerError(requestId: bigint, code: number, message: string): void {
    const error = new ServerError(code, message);
    if (!this.#pending.reject(requestId, error)) {
      this.#logger.debug({ requestId, code: error.codeName }, 'error answer to no pending request');
    }
    // The broker is not serving this connection (starting, unloading): callers reconnect, possibly elsewhere.
    if (code === ServerErrorCode.ServiceNotReady) {
      this.#closeWith(
        new ConnectionError(`broker ${this.logicalAddress} is not ready: ${message}`, { cause: error }),
      );
    }
  }

  async #answerAuthChallenge(): Promise<void> {
    if (this.#authentication === undefined) {
      this.#closeWith(
        new ConnectionError('broker sent an auth challenge but the client has no authentication'),
      );
      return;
    }
    let authData: Uint8Array;
    try {
      authData = await this.#authentication.getAuthData();
    } catch (error) {
      this.#closeWith(new ConnectionError('cannot answer the broker auth challenge', { cause: error }));
      return;
    }
    if (this.#state === ConnectionState.Closed) return;
    this.#transport.write(
      encodeCommand(authResponseCommand({ authMethodName: this.#authentication.methodName, authData })),
    );
  }

  #onKeepAliveTick(): void {
    const silentMs = monotonicNow(this.#clock) - this.#lastReceivedAt;
    if (silentMs >= 2 * this.#keepAliveIntervalMs) {
      this.#closeWith(new ConnectionError(`no data from ${this.logicalAddress} for ${silentMs} ms; dropped`));
      return;
    }
    this.#transport.write(PING_FRAME);
  }

  #onDrain(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- close -----------------------------------------------------------------------------------------------

  #failProtocol(error: unknown): void {
    this.#logger.error({ err: error }, 'undecodable data from the broker; closing the connection');
    this.#closeWith(new ConnectionError(`undecodable data from ${this.logicalAddress}`, { cause: error }));
  }

  #notReadyError(): Error {
    return this.#closeError ?? new ConnectionError(`connection to ${this.logicalAddress} is not ready`);
  }

  #closeWith(error: Error, graceful = false): void {
    if (this.#state === ConnectionState.Closed) return;
    const wasReady = this.#state === ConnectionState.Ready;
    this.#state = ConnectionState.Closed;
    this.#closeError = error;
    this.#keepAlive?.cancel();
    if (graceful) this.#transport.end();
    else this.#transport.close();
    if (wasReady) this.#logger.info({ reason: error.message }, 'connection closed');
    this.#handshake?.reject(error);
    this.#handshake = undefined;
    this.#pending.rejectAll(error);
    const producers = [...this.#producers.values()];
    const consumers = [...this.#consumers.values()];
    this.#producers.clear();
    this.#consumers.clear();
    for (const producer of producers) this.#notify(() => producer.onConnectionClosed(error));
    for (const consumer of consumers) this.#notify(() => consumer.onConnectionClosed(error));
    this.#onDrain();
    const listeners = this.#closeListeners.splice(0);
    for (const listener of listeners) this.#notify(() => listener(error));
  }

  #notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#logger.error({ err: error }, 'close handler threw');
    }
  }
}

function commandName(type: T): string {
  return T[type] ?? `command ${type}`;
}
