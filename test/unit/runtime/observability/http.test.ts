// The HTTP port: the route table without a socket, then the real server on an ephemeral 127.0.0.1 port —
// liveness vs readiness through an instance's life, metrics text, status/stats JSON, 404/405/500, close().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createObservabilityProvider,
  InstanceHealth,
  type ObservabilityProvider,
  type ObservabilityServer,
  ProbeReason,
  route,
  startObservabilityServer,
} from '../../../../src/runtime/http/index.ts';
import { FunctionMetrics, PulsarFunctionMetric } from '../../../../src/runtime/metrics/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { parseExposition, sampleValue } from './support.ts';

const identity = { tenant: 'public', namespace: 'default', name: 'reverse', instanceId: 0 };

function fakeProvider(overrides: Partial<ObservabilityProvider> = {}): ObservabilityProvider {
  return {
    liveness: () => ({ ok: true }),
    readiness: () => ({ ok: true }),
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'm 1\n' }),
    status: () => ({ numInstances: 1, numRunning: 1, instances: [] }),
    stats: () => {
      throw new Error('not used');
    },
    ...overrides,
  };
}

describe('route', () => {
  it('answers probes with a short JSON body', async () => {
    const ready = await route('GET', '/readyz', fakeProvider());
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { ready: true });
    const draining = await route(
      'GET',
      '/readyz?verbose=1',
      fakeProvider({ readiness: () => ({ ok: false, reason: ProbeReason.Draining }) }),
    );
    assert.equal(draining.status, 503);
    assert.deepEqual(JSON.parse(draining.body), { ready: false, reason: 'draining' });
    const dead = await route(
      'GET',
      '/healthz',
      fakeProvider({ liveness: () => ({ ok: false, reason: ProbeReason.Failed, detail: 'boom' }) }),
    );
    assert.equal(dead.status, 503);
    assert.deepEqual(JSON.parse(dead.body), { alive: false, reason: 'failed', detail: 'boom' });
  });

  it('says 404 for other paths and 405 (with Allow) for other methods', async () => {
    const missing = await route('GET', '/nope', fakeProvider());
    assert.equal(missing.status, 404);
    assert.equal((await route('GET', '/metrics/', fakeProvider())).status, 404);
    const post = await route('POST', '/status', fakeProvider());
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await route('HEAD', '/healthz', fakeProvider())).status, 200);
  });
});

describe('observability server', () => {
  const clock = new FakeClock(1_700_000_000_000);
  const metrics = new FunctionMetrics({ identity, clock, defaultMetrics: false });
  const health = new InstanceHealth({ workerId: 'worker-a' });
  let subscribed = true;
  let scriptUp = true;
  let restarts = 0;
  let server: ObservabilityServer;

  before(async () => {
    server = await startObservabilityServer({
      provider: createObservabilityProvider({ metrics, health, numRestarts: () => restarts }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  after(async () => {
    await server.close();
    metrics.close();
  });

  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  it('binds the host and an ephemeral port', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  });

  it('is alive from the start, ready only while running, subscribed and with a script up, unready while draining', async () => {
    const readyz = async () => {
      const res = await get('/readyz');
      return { status: res.status, body: (await res.json()) as unknown };
    };
    assert.equal((await get('/healthz')).status, 200);
    assert.deepEqual(await readyz(), { status: 503, body: { ready: false, reason: 'starting' } });

    health.markRunning({ subscribed: () => subscribed, scriptRunning: () => scriptUp });
    assert.deepEqual(await readyz(), { status: 200, body: { ready: true } });

    subscribed = false;
    assert.deepEqual(await readyz(), { status: 503, body: { ready: false, reason: 'not-subscribed' } });
    subscribed = true;
    assert.equal((await readyz()).status, 200);

    scriptUp = false; // stream mode, between a crash and its restart
    assert.deepEqual(await readyz(), { status: 503, body: { ready: false, reason: 'script-not-running' } });
    scriptUp = true;
    assert.equal((await readyz()).status, 200);

    health.markDraining();
    assert.deepEqual(await readyz(), { status: 503, body: { ready: false, reason: 'draining' } });
    const alive = await get('/healthz');
    assert.equal(alive.status, 200);
    assert.deepEqual(await alive.json(), { alive: true });
    assert.equal(alive.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(alive.headers.get('cache-control'), 'no-store');
  });

  it('serves the registry as Prometheus text', async () => {
    metrics.recordReceived();
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const exp = parseExposition(await res.text());
    assert.equal(sampleValue(exp, PulsarFunctionMetric.ReceivedTotal, { fqfn: 'public/default/reverse' }), 1);
  });

  it('serves the status and stats documents', async () => {
    metrics.recordInvocation();
    metrics.recordSuccess(12);
    const status = (await (await get('/status')).json()) as {
      numRunning: number;
      instances: { instanceId: number; status: Record<string, unknown> }[];
    };
    // Draining still counts as running: the instance is finishing its work.
    assert.equal(status.numRunning, 1);
    assert.equal(status.instances[0]!.instanceId, 0);
    assert.equal(status.instances[0]!.status.numSuccessfullyProcessed, 1);
    assert.equal(status.instances[0]!.status.workerId, 'worker-a');
    assert.equal(status.instances[0]!.status.lastInvocationTime, 1_700_000_000_000);
    assert.equal(status.instances[0]!.status.numRestarts, 0);
    restarts = 3; // stream mode restarted its script process three times
    const later = (await (await get('/status')).json()) as typeof status;
    assert.equal(later.instances[0]!.status.numRestarts, 3);
    const stats = (await (await get('/stats')).json()) as Record<string, unknown>;
    assert.equal(stats.receivedTotal, 1);
    assert.equal(stats.avgProcessLatency, 12);
    assert.ok('1min' in stats);
  });

  it('answers 404, 405 and HEAD', async () => {
    const missing = await get('/favicon.ico');
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const post = await get('/readyz', { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.body?.cancel();
    const head = await get('/metrics', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('reports a fatal failure on both probes', async () => {
    health.markFailed('the client closed for good');
    const res = await get('/healthz');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      alive: false,
      reason: 'failed',
      detail: 'the client closed for good',
    });
    assert.equal((await get('/readyz')).status, 503);
  });
});

describe('observability server failures', () => {
  it('answers 500 when the provider throws, and keeps serving', async () => {
    const server = await startObservabilityServer({
      provider: fakeProvider({
        status: () => {
          throw new Error('broken');
        },
      }),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const res = await fetch(`${server.url}/status`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: 'internal error' });
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken, and close() frees it', async () => {
    const first = await startObservabilityServer({ provider: fakeProvider(), host: '127.0.0.1', port: 0 });
    await assert.rejects(
      startObservabilityServer({ provider: fakeProvider(), host: '127.0.0.1', port: first.port }),
      (error: NodeJS.ErrnoException) => error.code === 'EADDRINUSE',
    );
    // A keep-alive connection must not hold close() up.
    await (await fetch(`${first.url}/healthz`)).text();
    await first.close();
    await first.close();
    await assert.rejects(fetch(`${first.url}/healthz`));
    const again = await startObservabilityServer({
      provider: fakeProvider(),
      host: '127.0.0.1',
      port: first.port,
    });
    await again.close();
  });
});
