// The log topic, in Pulsar Functions' format (LogAppender): the payload is the message text only (UTF-8, no
// timestamp, no level), with properties `loglevel` (INFO, WARN, …), `instance` (the instance id) and `fqn`
// (tenant/namespace/name); the producer batches with LZ4 and a 100 ms delay and carries `function` = fqn.
// Logging must never block or break message processing: publish() only queues (bounded, dropping the oldest
// line), sends run in the background with a bounded number outstanding, and every lost line is counted.
import { type Client, CompressionType, type Producer } from '../../pulsar/index.ts';
import { type Clock, type Logger, silentLogger, systemClock, type Timer } from '../../pulsar/util/index.ts';
import type { LogTopicLevel } from './levels.ts';
import { LineQueue } from './line-queue.ts';

/** Where log lines go besides stdout. Implementations never throw and never block. */
export interface LogSink {
  publish(level: LogTopicLevel, text: string): void;
}

/** Pulsar's LogAppender property names. */
export const LogTopicProperty = { Level: 'loglevel', Instance: 'instance', Fqn: 'fqn' } as const;

export const DropReason = {
  /** The queue was full (log topic slow or unavailable): the oldest line made room. */
  QueueFull: 'queue-full',
  /** The broker did not take the line (send timeout, producer closed, …). */
  SendFailed: 'send-failed',
  /** The line came after close(), or was still queued when close() gave up waiting. */
  Closed: 'closed',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export const LogTopicSinkState = {
  Idle: 'idle',
  Connecting: 'connecting',
  Open: 'open',
  Closing: 'closing',
  Closed: 'closed',
} as const;
export type LogTopicSinkState = (typeof LogTopicSinkState)[keyof typeof LogTopicSinkState];

export interface LogTopicSinkOptions {
  readonly client: Pick<Client, 'createProducer'>;
  readonly topic: string;
  /** `tenant/namespace/name`. */
  readonly fqn: string;
  readonly instanceId: number;
  /** Lines waiting for the producer. Default 1000. */
  readonly maxQueuedLines?: number;
  /** Lines sent and not yet receipted. Default 100. */
  readonly maxInFlight?: number;
  /** Between attempts to create the producer. Default 5000. */
  readonly retryDelayMs?: number;
  /** Per send; a line not receipted in time is dropped. Default 30000. */
  readonly sendTimeoutMs?: number;
  readonly clock?: Clock;
  /** For the sink's own trouble. Must not write to this sink (use the stdout-only logger). */
  readonly logger?: Logger;
  /** Called for every line lost, e.g. to count it in the metrics. */
  readonly onDropped?: (count: number, reason: DropReason) => void;
}

export interface LogTopicSinkStats {
  readonly state: LogTopicSinkState;
  readonly queued: number;
  readonly inFlight: number;
  readonly published: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
}

interface Line {
  readonly level: LogTopicLevel;
  readonly text: string;
}

export class LogTopicSink implements LogSink {
  readonly #options: LogTopicSinkOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #queue: LineQueue<Line>;
  readonly #maxInFlight: number;
  readonly #instance: string;
  #state: LogTopicSinkState = LogTopicSinkState.Idle;
  #producer: Producer | undefined;
  #retryTimer: Timer | undefined;
  #pumpScheduled = false;
  #inFlight = 0;
  #published = 0;
  #dropped: Record<DropReason, number> = { 'queue-full': 0, 'send-failed': 0, closed: 0 };
  #sendFailing = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: LogTopicSinkOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#queue = new LineQueue(options.maxQueuedLines ?? 1000);
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 100);
    this.#instance = String(options.instanceId);
  }

  get state(): LogTopicSinkState {
    return this.#state;
  }

  /**
   * Creates the producer in the background, retrying until it works or the sink closes. Lines published
   * before then wait in the queue. Resolves with the outcome of the first attempt; never rejects.
   */
  start(): Promise<boolean> {
    if (this.#state !== LogTopicSinkState.Idle) return Promise.resolve(this.#producer !== undefined);
    this.#state = LogTopicSinkState.Connecting;
    return this.#connect();
  }

  publish(level: LogTopicLevel, text: string): void {
    if (this.#state === LogTopicSinkState.Closing || this.#state === LogTopicSinkState.Closed) {
      this.#drop(1, DropReason.Closed);
      return;
    }
    if (this.#queue.push({ level, text })) this.#drop(1, DropReason.QueueFull);
    this.#schedulePump();
  }

  stats(): LogTopicSinkStats {
    return {
      state: this.#state,
      queued: this.#queue.size,
      inFlight: this.#inFlight,
      published: this.#published,
      dropped: { ...this.#dropped },
    };
  }

  /** Resolves true once every line published so far is receipted or dropped, false after `timeoutMs`. */
  flush(timeoutMs = 5000): Promise<boolean> {
    if (this.#idle()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        timer.cancel();
        resolve(true);
      };
      this.#idleWaiters.push(onIdle);
    });
  }

  /**
   * Sends what is queued (waiting up to `timeoutMs`), drops the rest, closes the producer. Later lines are
   * dropped. Idempotent; never rejects.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#state === LogTopicSinkState.Closing || this.#state === LogTopicSinkState.Closed) return;
    const wasOpen = this.#producer !== undefined;
    this.#state = LogTopicSinkState.Closing;
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    if (wasOpen) await this.flush(timeoutMs);
    const left = this.#queue.clear();
    if (left > 0) this.#drop(left, DropReason.Closed);
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer !== undefined) {
      await this.#within(timeoutMs, producer.close()).catch((error: unknown) => {
        this.#logger.warn(
          { err: error, topic: this.#options.topic },
          'closing the log topic producer failed',
        );
      });
    }
    this.#state = LogTopicSinkState.Closed;
    this.#notifyIfIdle();
  }

  async #connect(): Promise<boolean> {
    const { client, topic, fqn } = this.#options;
    try {
      const producer = await client.createProducer({
        topic,
        batchingEnabled: true,
        batchingMaxPublishDelayMs: 100,
        compressionType: CompressionType.LZ4,
        // The sink bounds what is outstanding itself; the producer must never block a send.
        blockIfQueueFull: false,
        maxPendingMessages: this.#maxInFlight,
        sendTimeoutMs: this.#options.sendTimeoutMs ?? 30_000,
        properties: { function: fqn },
      });
      if (this.#state !== LogTopicSinkState.Connecting) {
        // close() ran while the producer was being created.
        await producer.close().catch(() => {});
        return false;
      }
      this.#producer = producer;
      this.#state = LogTopicSinkState.Open;
      this.#logger.debug({ topic }, 'log topic producer ready');
      this.#schedulePump();
      return true;
    } catch (error) {
      if (this.#state !== LogTopicSinkState.Connecting) return false;
      const retryDelayMs = this.#options.retryDelayMs ?? 5000;
      this.#logger.warn(
        { err: error, topic, retryDelayMs },
        'cannot create the log topic producer; log lines wait in a bounded queue',
      );
      this.#retryTimer = this.#clock.setTimeout(() => {
        this.#retryTimer = undefined;
        if (this.#state === LogTopicSinkState.Connecting) void this.#connect();
      }, retryDelayMs);
      return false;
    }
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#producer === undefined) return;
    this.#pumpScheduled = true;
    // Deferred: publish() runs inside a logging call, and sending may log (client debug lines) — no re-entry.
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const producer = this.#producer;
    if (producer === undefined) return;
    while (this.#inFlight < this.#maxInFlight) {
      const line = this.#queue.shift();
      if (line === undefined) break;
      this.#inFlight++;
      let sent: Promise<unknown>;
      try {
        sent = producer.send({
          payload: Buffer.from(line.text, 'utf8'),
          properties: {
            [LogTopicProperty.Level]: line.level,
            [LogTopicProperty.Instance]: this.#instance,
            [LogTopicProperty.Fqn]: this.#options.fqn,
          },
        });
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        () => this.#settled(true, undefined),
        (error: unknown) => this.#settled(false, error),
      );
    }
    this.#notifyIfIdle();
  }

  #settled(ok: boolean, error: unknown): void {
    this.#inFlight--;
    if (ok) {
      this.#published++;
      this.#sendFailing = false;
    } else {
      this.#drop(1, DropReason.SendFailed);
      // One warning per run of failures, not one per line.
      if (!this.#sendFailing) {
        this.#sendFailing = true;
        this.#logger.warn(
          { err: error, topic: this.#options.topic },
          'log topic send failed; lines are dropped',
        );
      }
    }
    if (this.#queue.size > 0) this.#schedulePump();
    this.#notifyIfIdle();
  }

  #drop(count: number, reason: DropReason): void {
    this.#dropped[reason] += count;
    try {
      this.#options.onDropped?.(count, reason);
    } catch {
      // A counting callback must not break logging.
    }
  }

  #idle(): boolean {
    return this.#inFlight === 0 && (this.#queue.size === 0 || this.#state === LogTopicSinkState.Closed);
  }

  #notifyIfIdle(): void {
    if (!this.#idle() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #within<T>(timeoutMs: number, promise: Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => resolve(undefined), timeoutMs);
      promise.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error);
        },
      );
    });
  }
}
