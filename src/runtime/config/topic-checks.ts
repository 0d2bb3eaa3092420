// Checks between topics: the instance must never consume what it writes (output, logs, dead letters), and the
// topics it writes must not mix different kinds of messages.
import type { Settings } from './settings.ts';
import { topicMatchesPattern } from './topic-name.ts';

export interface WrittenTopics {
  readonly inputs: readonly string[];
  readonly pattern: string | null;
  readonly output: string | null;
  readonly logTopic: string | null;
  /** Set explicitly (PF_DEAD_LETTER_TOPIC). */
  readonly deadLetterTopic: string | null;
  /** The default for a topics pattern, when dead-lettering applies and no topic is set. */
  readonly defaultPatternDeadLetterTopic: string | null;
}

const WRITTEN = [
  { variable: 'PF_OUTPUT', what: 'output', field: 'output' },
  { variable: 'PF_LOG_TOPIC', what: 'logs', field: 'logTopic' },
  { variable: 'PF_DEAD_LETTER_TOPIC', what: 'dead letters', field: 'deadLetterTopic' },
] as const;

export function checkTopics(s: Settings, topics: WrittenTopics): void {
  for (const { variable, what, field } of WRITTEN) {
    const topic = topics[field];
    if (topic === null) continue;
    if (topics.inputs.includes(topic)) {
      s.problem(variable, `${topic} is also an input topic; the function would consume its own ${what}`);
    } else if (topics.pattern !== null && topicMatchesPattern(topic, topics.pattern)) {
      const pattern = s.reference('PF_TOPICS_PATTERN', topics.pattern);
      s.problem(variable, `${topic} matches ${pattern}; the function would consume its own ${what}`);
    }
  }
  const { output, logTopic, deadLetterTopic } = topics;
  if (logTopic !== null && logTopic === output) {
    s.problem('PF_LOG_TOPIC', `${logTopic} is also the output topic; logs would mix with results`);
  }
  if (deadLetterTopic !== null && deadLetterTopic === output) {
    s.problem(
      'PF_DEAD_LETTER_TOPIC',
      `${deadLetterTopic} is also the output topic; failed messages would mix with results`,
    );
  } else if (deadLetterTopic !== null && deadLetterTopic === logTopic) {
    s.problem(
      'PF_DEAD_LETTER_TOPIC',
      `${deadLetterTopic} is also the log topic; failed messages would mix with logs`,
    );
  }
  const patternDefault = topics.defaultPatternDeadLetterTopic;
  if (
    patternDefault !== null &&
    topics.pattern !== null &&
    topicMatchesPattern(patternDefault, topics.pattern)
  ) {
    const pattern = s.reference('PF_TOPICS_PATTERN', topics.pattern);
    s.problem(
      'PF_DEAD_LETTER_TOPIC',
      `missing: the default, ${patternDefault}, matches ${pattern}; set a dead-letter topic outside the pattern`,
    );
  }
}
