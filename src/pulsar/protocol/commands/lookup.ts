// Topic discovery commands, all answered on the connection they were sent on.
//
//   PARTITIONED_METADATA(topic, request_id) → PARTITIONED_METADATA_RESPONSE(partitions, response, error?)
//   LOOKUP(topic, request_id, authoritative, advertised_listener_name?)
//        → LOOKUP_RESPONSE(brokerServiceUrl[Tls], response Redirect|Connect|Failed, authoritative,
//                          proxy_through_service_url, error?)
//   GET_TOPICS_OF_NAMESPACE(request_id, namespace, mode, topics_pattern?, topics_hash?)
//        → GET_TOPICS_OF_NAMESPACE_RESPONSE(topics[], filtered, topics_hash, changed)
import { create } from '@bufbuild/protobuf';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  CommandGetTopicsOfNamespace_Mode,
} from '../generated/pulsar_api_pb.js';

export function partitionedMetadataCommand(topic: string, requestId: bigint): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.PARTITIONED_METADATA,
    partitionMetadata: { topic, requestId },
  });
}

export function lookupCommand(
  topic: string,
  requestId: bigint,
  authoritative: boolean,
  advertisedListenerName?: string,
): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.LOOKUP,
    lookupTopic: { topic, requestId, authoritative, advertisedListenerName },
  });
}

export interface GetTopicsOfNamespaceOptions {
  /** Default PERSISTENT. */
  mode?: CommandGetTopicsOfNamespace_Mode;
  /** Regular expression the broker may apply itself (it says so with `filtered`). */
  topicsPattern?: string;
  /** Hash of the list the client already has; the broker answers `changed: false` when it still matches. */
  topicsHash?: string;
}

export function getTopicsOfNamespaceCommand(
  namespace: string,
  requestId: bigint,
  options: GetTopicsOfNamespaceOptions = {},
): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.GET_TOPICS_OF_NAMESPACE,
    getTopicsOfNamespace: {
      requestId,
      namespace,
      mode: options.mode ?? CommandGetTopicsOfNamespace_Mode.PERSISTENT,
      topicsPattern: options.topicsPattern,
      topicsHash: options.topicsHash,
    },
  });
}
