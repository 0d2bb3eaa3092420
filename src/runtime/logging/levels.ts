// Log levels as the log topic names them: Pulsar's LogAppender puts log4j's level name in the `loglevel`
// property (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).

export const LogTopicLevel = {
  Trace: 'TRACE',
  Debug: 'DEBUG',
  Info: 'INFO',
  Warn: 'WARN',
  Error: 'ERROR',
  Fatal: 'FATAL',
} as const;
export type LogTopicLevel = (typeof LogTopicLevel)[keyof typeof LogTopicLevel];

/** pino's numeric level (10 trace … 60 fatal) → the log topic's name; custom levels fall to the one below. */
export function topicLevelOf(pinoLevel: number): LogTopicLevel {
  if (pinoLevel >= 60) return LogTopicLevel.Fatal;
  if (pinoLevel >= 50) return LogTopicLevel.Error;
  if (pinoLevel >= 40) return LogTopicLevel.Warn;
  if (pinoLevel >= 30) return LogTopicLevel.Info;
  if (pinoLevel >= 20) return LogTopicLevel.Debug;
  return LogTopicLevel.Trace;
}
