// Connections shared by every producer, consumer and lookup of a client: one per (logical, physical) address
// pair. Concurrent gets for a pair share one dial and handshake; a closed connection leaves the pool at once,
// so the next get dials afresh.
import { AlreadyClosedError } from '../errors.ts';
import type { Logger } from '../util/index.ts';
import type { PulsarConnection } from './connection.ts';

/** Dials `physical` and handshakes as `logical`; rejects with ConnectionError, ServerError or TimeoutError. */
export type ConnectionFactory = (
  logicalAddress: string,
  physicalAddress: string,
) => Promise<PulsarConnection>;

export const PoolState = { Open: 'open', Closed: 'closed' } as const;
export type PoolState = (typeof PoolState)[keyof typeof PoolState];

interface Entry {
  promise: Promise<PulsarConnection>;
  connection: PulsarConnection | undefined;
}

export class ConnectionPool {
  readonly #connect: ConnectionFactory;
  readonly #logger: Logger;
  /** By address pair: the dial in flight, or the live connection. */
  readonly #entries = new Map<string, Entry>();
  #state: PoolState = PoolState.Open;

  constructor(connect: ConnectionFactory, logger: Logger) {
    this.#connect = connect;
    this.#logger = logger;
  }

  /** Number of live connections. */
  get size(): number {
    let live = 0;
    for (const entry of this.#entries.values()) if (entry.connection !== undefined) live++;
    return live;
  }

  get(logicalAddress: string, physicalAddress: string): Promise<PulsarConnection> {
    if (this.#state === PoolState.Closed) return Promise.reject(new AlreadyClosedError('client'));
    const key = `${logicalAddress} via ${physicalAddress}`;
    const existing = this.#entries.get(key);
    if (existing !== undefined) return existing.promise;
    // #open needs the entry (to forget exactly it later) and the entry holds #open's promise.
    const entry = { connection: undefined } as Entry;
    entry.promise = this.#open(key, entry, logicalAddress, physicalAddress);
    this.#entries.set(key, entry);
    return entry.promise;
  }

  /** Closes every connection; later gets fail with AlreadyClosedError. */
  close(): void {
    if (this.#state === PoolState.Closed) return;
    this.#state = PoolState.Closed;
    const connections = [...this.#entries.values()].map((e) => e.connection);
    this.#entries.clear();
    for (const connection of connections) connection?.close();
  }

  async #open(
    key: string,
    entry: Entry,
    logicalAddress: string,
    physicalAddress: string,
  ): Promise<PulsarConnection> {
    let connection: PulsarConnection;
    try {
      connection = await this.#connect(logicalAddress, physicalAddress);
    } catch (error) {
      // A failed dial is not cached: the next get tries again.
      this.#forget(key, entry);
      throw error;
    }
    if (this.#state === PoolState.Closed) {
      connection.close();
      throw new AlreadyClosedError('client');
    }
    entry.connection = connection;
    // Fires at once if the connection died right after its handshake.
    connection.onClose((reason) => {
      this.#forget(key, entry);
      this.#logger.debug({ key, reason: reason.message }, 'connection left the pool');
    });
    return connection;
  }

  #forget(key: string, entry: Entry): void {
    // A newer entry for the same pair may have replaced this one already.
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }
}
