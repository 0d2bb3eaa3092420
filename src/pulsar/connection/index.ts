// The connection layer: transport, frame reader, connection, pool, and the contract producers and consumers
// code against.

export {
  type ConnectionOptions,
  ConnectionState,
  DEFAULT_MAX_MESSAGE_SIZE,
  FRAME_PADDING,
  PulsarConnection,
} from './connection.ts';
export type {
  ClientContext,
  Connection,
  ConsumerHandler,
  InboundPayload,
  ProducerHandler,
} from './contract.ts';
export { FrameReader } from './frame-reader.ts';
export { PendingRequests } from './pending-requests.ts';
export { type ConnectionFactory, ConnectionPool, PoolState } from './pool.ts';
export {
  type Dialer,
  type DialOptions,
  dialSocket,
  type TlsSettings,
  type Transport,
  type TransportEvents,
} from './transport.ts';
