// The ClientContext behind a Client: one connection pool and lookup service built from normalised options.
// Separate from client.ts so producer/consumer tests (and integration tests) can build a real context
// without going through createClient.
import { type Backoff, exponentialBackoff } from './backoff.ts';
import { type NormalizedClientOptions, normalizeClientOptions } from './client-options.ts';
import { PulsarConnection } from './connection/connection.ts';
import type { ClientContext, Connection } from './connection/contract.ts';
import { ConnectionPool } from './connection/pool.ts';
import { type Dialer, dialSocket } from './connection/transport.ts';
import { LookupService } from './lookup/lookup-service.ts';
import type { ClientOptions } from './types.ts';

export interface ClientRuntime {
  readonly context: ClientContext;
  readonly pool: ConnectionPool;
  readonly lookup: LookupService;
  readonly options: NormalizedClientOptions;
}

/** Builds pool, lookup and context; dials nothing yet. `dial` replaces the socket dialer (tests). */
export function createClientRuntime(
  options: ClientOptions | NormalizedClientOptions,
  dial: Dialer = dialSocket,
): ClientRuntime {
  const normalized = isNormalized(options) ? options : normalizeClientOptions(options);
  const { clock, logger } = normalized;
  const pool = new ConnectionPool(async (logicalAddress, physicalAddress) => {
    const transport = await dial({
      address: physicalAddress,
      tls: normalized.tls,
      timeoutMs: normalized.connectionTimeoutMs,
      clock,
    });
    return PulsarConnection.open({
      transport,
      logicalAddress,
      physicalAddress,
      authentication: normalized.authentication,
      clock,
      logger,
      keepAliveIntervalMs: normalized.keepAliveIntervalMs,
      operationTimeoutMs: normalized.operationTimeoutMs,
      handshakeTimeoutMs: normalized.connectionTimeoutMs,
    });
  }, logger);
  const newBackoff = (): Backoff => exponentialBackoff();
  const lookup = new LookupService({
    serviceUrl: normalized.serviceUrl,
    connections: pool,
    clock,
    logger,
    operationTimeoutMs: normalized.operationTimeoutMs,
    newBackoff,
  });
  let lastProducerId = -1n;
  let lastConsumerId = -1n;
  const context: ClientContext = {
    async connectionForTopic(topic: string): Promise<Connection> {
      const owner = await lookup.lookup(topic);
      return pool.get(owner.logicalAddress, owner.physicalAddress);
    },
    partitionedMetadata: (topic) => lookup.partitionedMetadata(topic),
    topicsOfNamespace: (namespace) => lookup.topicsOfNamespace(namespace),
    newProducerId: () => ++lastProducerId,
    newConsumerId: () => ++lastConsumerId,
    newBackoff,
    operationTimeoutMs: normalized.operationTimeoutMs,
    clock,
    logger,
  };
  return { context, pool, lookup, options: normalized };
}

function isNormalized(options: ClientOptions | NormalizedClientOptions): options is NormalizedClientOptions {
  return typeof options.serviceUrl === 'object' && options.serviceUrl !== null;
}
