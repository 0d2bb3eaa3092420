// The ProducerManager: one producer per (topic, producer name), created on first use and cached — the output
// topic, topics the script routes to, dead-letter topics, the log topic. Creation is shared by concurrent
// callers; a failed creation is forgotten, so the next message tries again. A name can be withheld (its
// producers closed, none created) while another instance needs it. close() flushes and closes all.
import {
  AlreadyClosedError,
  type Client,
  type Logger,
  type Producer,
  type ProducerOptions,
} from '../../pulsar/index.ts';

/** get() for a producer name that is withheld: another instance uses that name now. */
export class ProducerWithheldError extends Error {
  readonly producerName: string;
  constructor(producerName: string) {
    super(`producer ${producerName} is withheld: another instance publishes under this name now`);
    this.name = 'ProducerWithheldError';
    this.producerName = producerName;
  }
}

/** What the delivery path needs from the output side. */
export interface ProducerSource {
  /** The producer for `topic`; `producerName` pins the name (effectively-once), otherwise the broker picks. */
  get(topic: string, producerName?: string): Promise<Producer>;
}

/**
 * Settings shared by every producer. Batching on for throughput; no send timeout, as Pulsar Functions do, so a
 * broker outage holds sends (and, through the pool, consumption) until it reconnects instead of failing them.
 */
export const PRODUCER_DEFAULTS: Omit<ProducerOptions, 'topic'> = {
  batchingEnabled: true,
  batchingMaxPublishDelayMs: 10,
  blockIfQueueFull: true,
  sendTimeoutMs: 0,
};

export interface ProducerManagerOptions {
  readonly client: Pick<Client, 'createProducer'>;
  readonly logger: Logger;
  /** Overrides PRODUCER_DEFAULTS for every producer. */
  readonly defaults?: Omit<ProducerOptions, 'topic' | 'producerName'>;
  /** Properties attached to every producer (visible in topic stats). */
  readonly properties?: Record<string, string>;
}

interface Entry {
  readonly topic: string;
  readonly producerName: string | undefined;
  readonly producer: Promise<Producer>;
}

export class ProducerManager implements ProducerSource {
  readonly #options: ProducerManagerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #withheld = new Set<string>();
  #closed = false;

  constructor(options: ProducerManagerOptions) {
    this.#options = options;
  }

  /** Producers created or being created. */
  get size(): number {
    return this.#entries.size;
  }

  get(topic: string, producerName?: string): Promise<Producer> {
    if (this.#closed) return Promise.reject(new AlreadyClosedError('producer manager'));
    if (producerName !== undefined && this.#withheld.has(producerName)) {
      return Promise.reject(new ProducerWithheldError(producerName));
    }
    const key = entryKey(topic, producerName);
    const existing = this.#entries.get(key);
    if (existing !== undefined) return existing.producer;
    const producer = this.#create(topic, producerName);
    const entry: Entry = { topic, producerName, producer };
    this.#entries.set(key, entry);
    producer.catch((error: unknown) => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      this.#options.logger.warn({ err: error, topic, producerName }, 'cannot create producer');
    });
    return producer;
  }

  /**
   * Closes (after flushing) every producer named `producerName` and refuses to create one until allow(): the
   * broker lets one producer hold a name, and effectively-once names belong to whichever instance owns the
   * input partition. Also closes one still being created.
   */
  async withhold(producerName: string): Promise<void> {
    this.#withheld.add(producerName);
    const closing: Promise<void>[] = [];
    for (const [key, entry] of this.#entries) {
      if (entry.producerName !== producerName) continue;
      this.#entries.delete(key);
      closing.push(this.#closeEntry(entry));
    }
    await Promise.all(closing);
  }

  /** get() may create producers named `producerName` again. */
  allow(producerName: string): void {
    this.#withheld.delete(producerName);
  }

  /** Flushes and closes every producer; later get() calls reject. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((entry) => this.#closeEntry(entry)));
  }

  async #create(topic: string, producerName: string | undefined): Promise<Producer> {
    const { client, defaults, properties, logger } = this.#options;
    const producer = await client.createProducer({
      ...PRODUCER_DEFAULTS,
      ...defaults,
      topic,
      ...(producerName === undefined ? {} : { producerName }),
      ...(properties === undefined ? {} : { properties }),
    });
    if (this.#closed) {
      // Closed while the broker was registering it: nobody will use it.
      await producer.close().catch(() => {});
      throw new AlreadyClosedError('producer manager');
    }
    logger.debug({ topic, producerName: producer.producerName }, 'producer created');
    return producer;
  }

  async #closeEntry(entry: Entry): Promise<void> {
    let producer: Producer;
    try {
      producer = await entry.producer;
    } catch {
      return; // never created
    }
    try {
      await producer.close();
    } catch (error) {
      this.#options.logger.warn({ err: error, topic: entry.topic }, 'producer close failed');
    }
  }
}

function entryKey(topic: string, producerName: string | undefined): string {
  // NUL cannot appear in a topic name.
  return producerName === undefined ? topic : `${topic}\u0000${producerName}`;
}
