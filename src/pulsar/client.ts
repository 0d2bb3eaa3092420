// The Client: options validated once, one connection pool and lookup service, and the ClientContext handed
// to the producer and consumer modules. close() closes producers, then consumers, then the connections.
import { createClientRuntime } from './client-context.ts';
import type { ClientContext } from './connection/contract.ts';
import type { ConnectionPool } from './connection/pool.ts';
import { type Dialer, dialSocket } from './connection/transport.ts';
import { subscribe } from './consumer/index.ts';
import { AlreadyClosedError, InvalidArgumentError } from './errors.ts';
import type { LookupService } from './lookup/lookup-service.ts';
import { createProducer } from './producer/index.ts';
import type {
  Client,
  ClientOptions,
  CloseOptions,
  Consumer,
  ConsumerOptions,
  Producer,
  ProducerOptions,
} from './types.ts';
import { monotonicNow, type Timer } from './util/index.ts';

export const ClientState = { Open: 'open', Closing: 'closing', Closed: 'closed' } as const;
export type ClientState = (typeof ClientState)[keyof typeof ClientState];

/** What the client is built from; tests replace parts of it. */
export interface ClientDependencies {
  dial: Dialer;
  createProducer: (context: ClientContext, options: ProducerOptions) => Promise<Producer>;
  subscribe: (context: ClientContext, options: ConsumerOptions) => Promise<Consumer>;
}

const defaultDependencies: ClientDependencies = { dial: dialSocket, createProducer, subscribe };

/** Creates a client; nothing is dialed until the first lookup. Throws InvalidArgumentError for bad options. */
export function createClient(options: ClientOptions, dependencies: Partial<ClientDependencies> = {}): Client {
  return new PulsarClient(options, { ...defaultDependencies, ...dependencies });
}

class PulsarClient implements Client {
  readonly #pool: ConnectionPool;
  readonly #lookup: LookupService;
  readonly #context: ClientContext;
  readonly #dependencies: ClientDependencies;
  readonly #producers = new Set<Producer>();
  readonly #consumers = new Set<Consumer>();
  #state: ClientState = ClientState.Open;
  #closing: Promise<void> | undefined;

  constructor(options: ClientOptions, dependencies: ClientDependencies) {
    const runtime = createClientRuntime(options, dependencies.dial);
    this.#dependencies = dependencies;
    this.#pool = runtime.pool;
    this.#lookup = runtime.lookup;
    this.#context = runtime.context;
  }

  async createProducer(options: ProducerOptions): Promise<Producer> {
    this.#ensureOpen();
    const producer = await this.#dependencies.createProducer(this.#context, options);
    // The client may have started closing while the producer connected.
    if (this.#state !== ClientState.Open) {
      await producer.close();
      throw new AlreadyClosedError('client');
    }
    this.#producers.add(producer);
    return producer;
  }

  async subscribe(options: ConsumerOptions): Promise<Consumer> {
    this.#ensureOpen();
    const consumer = await this.#dependencies.subscribe(this.#context, options);
    if (this.#state !== ClientState.Open) {
      await consumer.close();
      throw new AlreadyClosedError('client');
    }
    this.#consumers.add(consumer);
    return consumer;
  }

  async getPartitionsForTopic(topic: string): Promise<number> {
    this.#ensureOpen();
    return this.#lookup.partitionedMetadata(topic);
  }

  close(options?: CloseOptions): Promise<void> {
    const timeoutMs = options?.timeoutMs;
    if (
      timeoutMs !== undefined &&
      (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 0)
    ) {
      return Promise.reject(
        new InvalidArgumentError(
          'timeoutMs',
          `expected a non-negative integer, got \`${String(timeoutMs)}\``,
        ),
      );
    }
    if (this.#closing !== undefined) {
      // Already closing: a deadline given now still applies to the producers.
      if (timeoutMs !== undefined) for (const p of this.#producers) p.close({ timeoutMs }).catch(() => {});
      return this.#closing;
    }
    this.#closing = this.#closeAll(timeoutMs);
    return this.#closing;
  }

  async #closeAll(timeoutMs: number | undefined): Promise<void> {
    this.#state = ClientState.Closing;
    const clock = this.#context.clock;
    const deadline = timeoutMs === undefined ? undefined : monotonicNow(clock) + timeoutMs;
    const options = timeoutMs === undefined ? undefined : { timeoutMs };
    // Producers first, so their last messages are flushed while consumers may still receive them.
    await Promise.allSettled([...this.#producers].map((p) => p.close(options)));
    const consumersClosed = Promise.allSettled([...this.#consumers].map((c) => c.close()));
    if (deadline !== undefined) {
      // Consumers wait for the broker's answer to CLOSE_CONSUMER; past the deadline, closing the connections
      // below ends those waits.
      let timer: Timer | undefined;
      const remaining = Math.max(0, deadline - monotonicNow(clock));
      await Promise.race([
        consumersClosed,
        new Promise<void>((resolve) => {
          timer = clock.setTimeout(resolve, remaining);
        }),
      ]);
      timer?.cancel();
      this.#pool.close();
    }
    await consumersClosed;
    this.#producers.clear();
    this.#consumers.clear();
    this.#pool.close();
    this.#state = ClientState.Closed;
  }

  #ensureOpen(): void {
    if (this.#state !== ClientState.Open) throw new AlreadyClosedError('client');
  }
}
