// Which field of BaseCommand carries the body of each command type: decodeFrame rejects inbound commands
// whose body is missing, so handlers can rely on it being there.
import { type BaseCommand, BaseCommand_Type as T } from './generated/pulsar_api_pb.js';

/** Names of BaseCommand's body fields (every optional message field). */
export type CommandField = Exclude<keyof BaseCommand, 'type' | '$typeName' | '$unknown'>;

const fieldByType: ReadonlyMap<T, CommandField> = new Map<T, CommandField>([
  [T.CONNECT, 'connect'],
  [T.CONNECTED, 'connected'],
  [T.SUBSCRIBE, 'subscribe'],
  [T.PRODUCER, 'producer'],
  [T.SEND, 'send'],
  [T.SEND_RECEIPT, 'sendReceipt'],
  [T.SEND_ERROR, 'sendError'],
  [T.MESSAGE, 'message'],
  [T.ACK, 'ack'],
  [T.FLOW, 'flow'],
  [T.UNSUBSCRIBE, 'unsubscribe'],
  [T.SUCCESS, 'success'],
  [T.ERROR, 'error'],
  [T.CLOSE_PRODUCER, 'closeProducer'],
  [T.CLOSE_CONSUMER, 'closeConsumer'],
  [T.PRODUCER_SUCCESS, 'producerSuccess'],
  [T.PING, 'ping'],
  [T.PONG, 'pong'],
  [T.REDELIVER_UNACKNOWLEDGED_MESSAGES, 'redeliverUnacknowledgedMessages'],
  [T.PARTITIONED_METADATA, 'partitionMetadata'],
  [T.PARTITIONED_METADATA_RESPONSE, 'partitionMetadataResponse'],
  [T.LOOKUP, 'lookupTopic'],
  [T.LOOKUP_RESPONSE, 'lookupTopicResponse'],
  [T.CONSUMER_STATS, 'consumerStats'],
  [T.CONSUMER_STATS_RESPONSE, 'consumerStatsResponse'],
  [T.REACHED_END_OF_TOPIC, 'reachedEndOfTopic'],
  [T.SEEK, 'seek'],
  [T.GET_LAST_MESSAGE_ID, 'getLastMessageId'],
  [T.GET_LAST_MESSAGE_ID_RESPONSE, 'getLastMessageIdResponse'],
  [T.ACTIVE_CONSUMER_CHANGE, 'activeConsumerChange'],
  [T.GET_TOPICS_OF_NAMESPACE, 'getTopicsOfNamespace'],
  [T.GET_TOPICS_OF_NAMESPACE_RESPONSE, 'getTopicsOfNamespaceResponse'],
  [T.AUTH_CHALLENGE, 'authChallenge'],
  [T.AUTH_RESPONSE, 'authResponse'],
  [T.ACK_RESPONSE, 'ackResponse'],
]);

/** The body field of a command type, undefined for types pf-bash does not model (transactions, schemas…). */
export function commandFieldOf(type: T): CommandField | undefined {
  return fieldByType.get(type);
}
