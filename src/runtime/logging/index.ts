// The instance's logging: pino on stdout, and the log topic in Pulsar Functions' format. Everything the
// runtime may import from here.
export { LogTopicLevel, topicLevelOf } from './levels.ts';
export { LineQueue } from './line-queue.ts';
export {
  DropReason,
  type LogSink,
  LogTopicProperty,
  LogTopicSink,
  type LogTopicSinkOptions,
  LogTopicSinkState,
  type LogTopicSinkStats,
} from './log-topic-sink.ts';
export {
  createInstanceLogging,
  type InstanceLogging,
  type InstanceLoggingOptions,
  messageText,
} from './logger.ts';
export { DEFAULT_REDACT_PATHS } from './redact.ts';
export {
  type ScriptLogForwarders,
  type ScriptLogForwardersOptions,
  scriptLogForwarders,
} from './script-output.ts';
