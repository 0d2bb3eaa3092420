// Topic names as the consumer needs them: completed names (lookup/topic-name.ts does the parsing) and a
// topicsPattern turned into the namespace to list plus an anchored regular expression over full names.
import { InvalidArgumentError } from '../errors.ts';
import { parseTopicName } from '../lookup/topic-name.ts';

/** A full topic name (`t` → `persistent://public/default/t`); InvalidArgumentError naming `field` if bad. */
export function fullTopicName(field: string, name: string): string {
  return parseTopicName(name, field).full;
}

export interface TopicPattern {
  /** `tenant/namespace`, whose topics are listed to find matches. */
  readonly namespace: string;
  /** Matches a whole full topic name (partition suffix removed), as Java's `Pattern.matches`. */
  readonly regex: RegExp;
  readonly source: string;
}

/**
 * A pattern is completed like a topic name (`in-.*` → `persistent://public/default/in-.*`); its tenant and
 * namespace must be literal, since they choose the namespace to list.
 */
export function parseTopicPattern(field: string, pattern: string): TopicPattern {
  if (pattern.length === 0)
    throw new InvalidArgumentError(field, 'expected a regular expression, got an empty string');
  if (pattern.startsWith('non-persistent://')) {
    throw new InvalidArgumentError(
      field,
      `only persistent topics can be matched by a pattern, got \`${pattern}\``,
    );
  }
  let full: string;
  if (pattern.startsWith('persistent://')) full = pattern;
  else {
    const parts = pattern.split('/');
    full = parts.length >= 3 ? `persistent://${pattern}` : `persistent://public/default/${pattern}`;
  }
  const [tenant, namespace, ...rest] = full.slice('persistent://'.length).split('/');
  const literal = /^[A-Za-z0-9_=:.-]+$/;
  if (tenant === undefined || namespace === undefined || rest.length === 0) {
    throw new InvalidArgumentError(
      field,
      `expected [persistent://]tenant/namespace/<regex>, got \`${pattern}\``,
    );
  }
  if (!literal.test(tenant) || !literal.test(namespace)) {
    throw new InvalidArgumentError(field, `tenant and namespace must be literal names, got \`${pattern}\``);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${full})$`);
  } catch (error) {
    throw new InvalidArgumentError(field, `not a valid regular expression: ${(error as Error).message}`);
  }
  return { namespace: `${tenant}/${namespace}`, regex, source: pattern };
}

/** The distinct topics (partitions folded into their partitioned topic) of `listed` that match. */
export function matchingTopics(pattern: TopicPattern, listed: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const name of listed) {
    const base = name.replace(/-partition-\d+$/, '');
    if (!seen.has(base) && pattern.regex.test(base)) seen.add(base);
  }
  return [...seen];
}
