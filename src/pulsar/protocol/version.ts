// What pf-bash tells the broker about itself in CONNECT.
import { ProtocolVersion } from './generated/pulsar_api_pb.js';

/**
 * Protocol version advertised in CONNECT: v19, the newest that needs nothing we lack. The broker gates
 * behaviour on it: v12 ACTIVE_CONSUMER_CHANGE and GET_TOPICS_OF_NAMESPACE, v14 AUTH_CHALLENGE and Key_Shared,
 * v16/v18 broker entry metadata (still opt-in through FeatureFlags), v17 ACK_RESPONSE (only when an ACK carries
 * a request_id), v19 transaction-coordinator connect (never sent by us). v20 would make a 4.x broker send
 * TOPIC_MIGRATED during blue-green cluster migration (it checks `>= v20` before sending it), a command we do
 * not model; below v20 the broker closes the producer/consumer instead, which we handle by a fresh lookup.
 */
export const PROTOCOL_VERSION: number = ProtocolVersion.v19;

/** pf-bash's release; a unit test keeps it equal to package.json's version. */
export const PF_BASH_VERSION = '0.1.0';

/** client_version sent in CONNECT (shown by the broker in connection stats and logs). */
export const CLIENT_VERSION = `pf-bash-${PF_BASH_VERSION}`;
