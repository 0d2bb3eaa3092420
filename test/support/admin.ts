// The broker's admin REST API, as far as tests need it (topics, partitions, unload, namespace policies).
import { testEnv } from './env.ts';

function topicPath(topic: string): string {
  const match = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(topic);
  if (!match) throw new Error(`expected a full topic name, got ${topic}`);
  const [, domain, tenant, namespace, name] = match;
  return `${domain}/${tenant}/${namespace}/${encodeURIComponent(name!)}`;
}

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${testEnv.adminUrl}/admin/v2/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

export const admin = {
  createPartitionedTopic: (topic: string, partitions: number) =>
    call('PUT', `${topicPath(topic)}/partitions`, partitions),
  createTopic: (topic: string) => call('PUT', topicPath(topic)),
  unload: (topic: string) => call('PUT', `${topicPath(topic)}/unload`),
  stats: (topic: string) => call('GET', `${topicPath(topic)}/stats`) as Promise<Record<string, unknown>>,
  partitionedStats: (topic: string) =>
    call('GET', `${topicPath(topic)}/partitioned-stats`) as Promise<Record<string, unknown>>,
  createNamespace: (namespace: string) => call('PUT', `namespaces/${namespace}`),
  setDeduplication: (namespace: string, enabled: boolean) =>
    call('POST', `namespaces/${namespace}/deduplication`, enabled),
  deleteTopic: (topic: string) => call('DELETE', `${topicPath(topic)}?force=true`),
};
