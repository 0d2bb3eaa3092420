// The runtime's configuration: environment variables (and an optional Pulsar FunctionConfig YAML file) → a typed
// FunctionRuntimeConfig, or one line per problem. docs/configuration.md documents every variable.
export {
  DEFAULTS,
  deadLetterTopicFor,
  defaultDeadLetterTopic,
  defaultSubscriptionName,
  defaultSubscriptionType,
} from './defaults.ts';
export { type FileValue, type FunctionConfigFile, readFunctionConfigFile } from './function-config-file.ts';
export { loadConfig } from './load.ts';
export { readFileOrUndefined } from './node-files.ts';
export { formatProblem, formatProblems, REDACTED } from './problems.ts';
export { type RedactedBrokerAuth, type RedactedConfig, redactedConfig } from './redact.ts';
export { normaliseTopicName, topicMatchesPattern, withoutPartitionSuffix } from './topic-name.ts';
export {
  type BrokerAuth,
  type BrokerConfig,
  type ConfigProblem,
  type DeliveryConfig,
  ExecutionMode,
  type FunctionIdentity,
  type FunctionRuntimeConfig,
  InitialPosition,
  type InputConfig,
  type LoadConfigOptions,
  type LoadConfigResult,
  LogLevel,
  type OutputConfig,
  type PoolConfig,
  ProcessingGuarantees,
  type ReadFile,
  type ScriptConfig,
  StreamCodec,
  type StreamConfig,
  SubscriptionType,
} from './types.ts';
export { BROKER_VARIABLES, CONFIG_VARIABLES, type ConfigVariable } from './variables.ts';
