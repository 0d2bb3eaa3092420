// Topic discovery: topic names, service URLs, and the lookup service (owner broker, partitions, namespaces).
export {
  type ConnectionSource,
  type LookupResult,
  LookupService,
  type LookupServiceOptions,
  MAX_LOOKUP_REDIRECTS,
} from './lookup-service.ts';
export {
  brokerAddress,
  parseServiceUrl,
  ServiceHosts,
  type ServiceUrl,
  splitAddress,
} from './service-url.ts';
export { parseTopicName, partitionName, TopicDomain, type TopicName } from './topic-name.ts';
