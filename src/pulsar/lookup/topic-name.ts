// Topic names: completes short names (`x` → `persistent://public/default/x`, `t/ns/x` → `persistent://t/ns/x`)
// and splits full ones into domain, tenant, namespace, local name and partition index.
import { InvalidArgumentError } from '../errors.ts';

export const TopicDomain = { Persistent: 'persistent', NonPersistent: 'non-persistent' } as const;
export type TopicDomain = (typeof TopicDomain)[keyof typeof TopicDomain];

export interface TopicName {
  /** The complete name, e.g. `persistent://public/default/orders-partition-3`. */
  readonly full: string;
  readonly domain: TopicDomain;
  readonly tenant: string;
  /** `tenant/namespace` (or `tenant/cluster/namespace` for the old v1 names). */
  readonly namespace: string;
  /** What follows the namespace, partition suffix included. */
  readonly localName: string;
  /** Partition index when the name ends in `-partition-N`, else -1. */
  readonly partition: number;
  /** The name without its `-partition-N` suffix (the same as `full` when there is none). */
  readonly baseName: string;
}

const PARTITION_SUFFIX = '-partition-';
const partitionSuffixPattern = /-partition-(\d+)$/;

/** Parses and completes a topic name; throws InvalidArgumentError naming `field` when it cannot. */
export function parseTopicName(name: string, field = 'topic'): TopicName {
  const invalid = (reason: string) => new InvalidArgumentError(field, `${reason}, got \`${name}\``);
  if (typeof name !== 'string' || name.length === 0) throw invalid('expected a topic name');
  if (/\s/.test(name)) throw invalid('a topic name has no whitespace');

  let full = name;
  if (!name.includes('://')) {
    const parts = name.split('/');
    if (parts.length === 1) full = `persistent://public/default/${name}`;
    else if (parts.length === 3 || parts.length === 4) full = `persistent://${name}`;
    else
      throw invalid(
        'expected <topic>, <tenant>/<namespace>/<topic> or persistent://<tenant>/<namespace>/<topic>',
      );
  }

  const schemeEnd = full.indexOf('://');
  const domain = full.slice(0, schemeEnd);
  if (domain !== TopicDomain.Persistent && domain !== TopicDomain.NonPersistent) {
    throw invalid('expected the domain persistent:// or non-persistent://');
  }
  const rest = full.slice(schemeEnd + 3);
  // Three parts: tenant/namespace/topic. Four or more: the old tenant/cluster/namespace/topic form, where
  // the topic keeps any further slashes.
  const parts = rest.split('/');
  if (parts.length < 3) throw invalid('expected <domain>://<tenant>/<namespace>/<topic>');
  const segments = parts.length === 3 ? 2 : 3;
  const nsParts = parts.slice(0, segments);
  const localName = parts.slice(segments).join('/');
  if (nsParts.some((p) => p.length === 0) || localName.length === 0) {
    throw invalid('tenant, namespace and topic must not be empty');
  }

  const match = partitionSuffixPattern.exec(localName);
  const partition = match === null ? -1 : Number(match[1]);
  const baseName = match === null ? full : full.slice(0, full.length - match[0].length);
  return {
    full,
    domain,
    tenant: nsParts[0]!,
    namespace: nsParts.join('/'),
    localName,
    partition,
    baseName,
  };
}

/** The name of partition `index` of a partitioned topic. */
export function partitionName(topic: string, index: number): string {
  return `${topic}${PARTITION_SUFFIX}${index}`;
}
