// Topic names in their full form, `persistent://tenant/namespace/topic`, and patterns over them. Short names are
// expanded as Pulsar's clients do (`x` → `persistent://public/default/x`), so that an output given as `x` is
// recognised as the input `persistent://public/default/x`. Kept apart from the client's parser on purpose.
import type { Parsed } from './values.ts';

/** Tenant and namespace names: Pulsar's rule for named entities. */
export const ENTITY_NAME = /^[-=:.\w]+$/;

const DOMAINS = ['persistent', 'non-persistent'];
const TOPIC_FORMS = '<topic>, <tenant>/<namespace>/<topic> or persistent://<tenant>/<namespace>/<topic>';

interface TopicParts {
  readonly domain: string;
  readonly tenant: string;
  readonly namespace: string;
  readonly local: string;
}

function splitTopic(name: string): TopicParts | undefined {
  const schemeAt = name.indexOf('://');
  const domain = schemeAt < 0 ? 'persistent' : name.slice(0, schemeAt);
  const rest = schemeAt < 0 ? name : name.slice(schemeAt + 3);
  const parts = rest.split('/');
  // Only `<topic>` may omit tenant and namespace; a full name always has all three (no v1 cluster names).
  const [tenant, namespace, local] =
    schemeAt < 0 && parts.length === 1 ? ['public', 'default', parts[0]] : parts.length === 3 ? parts : [];
  if (!DOMAINS.includes(domain) || tenant === undefined || namespace === undefined || local === undefined) {
    return undefined;
  }
  if (!ENTITY_NAME.test(tenant) || !ENTITY_NAME.test(namespace) || local === '' || /\s/.test(local)) {
    return undefined;
  }
  return { domain, tenant, namespace, local };
}

const join = (p: TopicParts): string => `${p.domain}://${p.tenant}/${p.namespace}/${p.local}`;

/** The full name of a topic given in any of Pulsar's forms. */
export function normaliseTopicName(name: string): Parsed<string> {
  const parts = splitTopic(name);
  return parts === undefined
    ? { ok: false, expected: `expected a topic name: ${TOPIC_FORMS}` }
    : { ok: true, value: join(parts) };
}

/**
 * A topics pattern in full form. Tenant and namespace are literal (a pattern covers one namespace); the topic part
 * is a regular expression, and the whole full name must match it, as in Pulsar's clients.
 */
export function normaliseTopicsPattern(pattern: string): Parsed<string> {
  const parts = splitTopic(pattern);
  if (parts === undefined) {
    return {
      ok: false,
      expected: `expected a pattern of the form ${TOPIC_FORMS.replaceAll('<topic>', '<regex>')}`,
    };
  }
  const full = join(parts);
  try {
    new RegExp(full);
  } catch (error) {
    // V8 says "Invalid regular expression: /…/: Unterminated group"; the reason is the part after the last ': '.
    const reason = String((error as Error).message)
      .split(': ')
      .pop();
    return { ok: false, expected: `expected a valid regular expression (${reason})` };
  }
  return { ok: true, value: full };
}

/** Whether a full topic name matches a normalised pattern (the whole name, as Java's `matches()`). */
export function topicMatchesPattern(topic: string, pattern: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(withoutPartitionSuffix(topic));
}

/** `…/x-partition-3` → `…/x`: one partitioned topic is one input. */
export function withoutPartitionSuffix(topic: string): string {
  return topic.replace(/-partition-\d+$/, '');
}

/** `persistent://tenant/namespace` of a full topic name or pattern. */
export function namespaceOf(fullName: string): string {
  return fullName.slice(0, fullName.lastIndexOf('/'));
}
