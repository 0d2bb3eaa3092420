// The HTTP contract, as a pure function of method, path and provider, so it is tested without a socket:
//   GET /healthz  200 {"alive":true} | 503 {"alive":false,"reason":"failed","detail":…}
//   GET /readyz   200 {"ready":true} | 503 {"ready":false,"reason":"starting|not-subscribed|script-not-running|
//                                                                  draining|stopped|failed"}
//   GET /metrics  200 Prometheus text exposition (text/plain; version=0.0.4)
//   GET /status   200 `pulsar-admin functions status` JSON for this instance
//   GET /stats    200 `pulsar-admin functions stats` JSON for this instance
// HEAD is answered like GET without a body; other methods 405 (Allow: GET, HEAD); other paths 404.
import type { ProbeResult } from './health.ts';
import type { ObservabilityProvider } from './provider.ts';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const ROUTES = ['/healthz', '/readyz', '/metrics', '/status', '/stats'] as const;
export type Route = (typeof ROUTES)[number];

const JSON_TYPE = 'application/json; charset=utf-8';

function json(status: number, value: unknown, pretty = false): HttpResponse {
  return {
    status,
    // Probes and scrapes must always see the current state, never a cached one.
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store' },
    body: `${pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`,
  };
}

function probe(key: 'alive' | 'ready', result: ProbeResult): HttpResponse {
  if (result.ok) return json(200, { [key]: true });
  const body: Record<string, unknown> = { [key]: false, reason: result.reason };
  if (result.detail !== undefined && result.detail !== '') body.detail = result.detail;
  return json(503, body);
}

function isRoute(path: string): path is Route {
  return (ROUTES as readonly string[]).includes(path);
}

/** Answers one request. Rejects only if the provider does; the server turns that into a 500. */
export async function route(
  method: string,
  url: string,
  provider: ObservabilityProvider,
): Promise<HttpResponse> {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!isRoute(path)) return json(404, { error: 'not found', path });
  if (method !== 'GET' && method !== 'HEAD') {
    return { ...json(405, { error: 'method not allowed', method }), headers: withAllow() };
  }
  switch (path) {
    case '/healthz':
      return probe('alive', provider.liveness());
    case '/readyz':
      return probe('ready', provider.readiness());
    case '/metrics': {
      const { contentType, body } = await provider.metrics();
      return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
    }
    case '/status':
      return json(200, provider.status(), true);
    case '/stats':
      return json(200, provider.stats(), true);
  }
}

function withAllow(): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'cache-control': 'no-store', allow: 'GET, HEAD' };
}
