// FunctionMetrics: Pulsar Functions' series with Pulsar's names, types and labels, pf-bash's own series, values
// after recorded events (read back from the text exposition), and the one-minute window on a fake clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FunctionMetrics,
  METRIC_LABEL_NAMES,
  PfBashMetric,
  PulsarFunctionMetric,
} from '../../../../src/runtime/metrics/index.ts';
import { LatestExceptions } from '../../../../src/runtime/metrics/latest-exceptions.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { parseExposition, sampleValue } from './support.ts';

const identity = { tenant: 'acme', namespace: 'etl', name: 'reverse', instanceId: 2 };
const LABELS = {
  tenant: 'acme',
  namespace: 'acme/etl',
  name: 'reverse',
  instance_id: '2',
  cluster: 'east',
  fqfn: 'acme/etl/reverse',
};

function metricsOn(clock: FakeClock, defaultMetrics = false): FunctionMetrics {
  return new FunctionMetrics({ identity, cluster: 'east', clock, defaultMetrics });
}

async function scrape(metrics: FunctionMetrics) {
  return parseExposition(await metrics.exposition());
}

describe('FunctionMetrics', () => {
  it('exposes every Pulsar Functions series at zero, typed as Pulsar types them', async () => {
    const metrics = metricsOn(new FakeClock());
    const exp = await scrape(metrics);
    const M = PulsarFunctionMetric;
    const expectedTypes: Record<string, string> = {
      [M.ReceivedTotal]: 'counter',
      [M.ProcessedSuccessfullyTotal]: 'counter',
      [M.SystemExceptionsTotal]: 'counter',
      [M.UserExceptionsTotal]: 'counter',
      [M.ProcessLatencyMs]: 'summary',
      [M.LastInvocation]: 'gauge',
      [M.Received1min]: 'counter',
      [M.ProcessedSuccessfully1min]: 'counter',
      [M.SystemExceptions1min]: 'counter',
      [M.UserExceptions1min]: 'counter',
      [M.ProcessLatencyMs1min]: 'summary',
    };
    for (const [name, type] of Object.entries(expectedTypes)) assert.equal(exp.types.get(name), type, name);
    for (const name of Object.keys(expectedTypes)) {
      if (expectedTypes[name] === 'summary') continue;
      assert.equal(sampleValue(exp, name), 0, name);
    }
    assert.equal(sampleValue(exp, `${M.ProcessLatencyMs}_count`), 0);
    metrics.close();
  });

  it('labels every series with tenant, namespace (tenant/namespace), name, instance_id, cluster and fqfn', async () => {
    const metrics = metricsOn(new FakeClock());
    const exp = await scrape(metrics);
    const ours = exp.samples.filter(
      (s) => s.name.startsWith('pulsar_function_') || s.name.startsWith('pf_bash_'),
    );
    assert.ok(ours.length > 20);
    for (const s of ours) {
      const { quantile: _q, le: _le, ...identityLabels } = s.labels;
      assert.deepEqual(identityLabels, LABELS, s.name);
    }
    assert.deepEqual(Object.keys(LABELS), [...METRIC_LABEL_NAMES]);
    metrics.close();
  });

  it('counts received, successes, exceptions and latency, and sets last_invocation from the clock', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const metrics = metricsOn(clock);
    for (let i = 0; i < 3; i++) metrics.recordReceived();
    metrics.recordInvocation();
    metrics.recordSuccess(10);
    clock.advance(5);
    metrics.recordInvocation();
    metrics.recordSuccess(30);
    metrics.recordInvocation();
    metrics.recordUserException('exit code 1: boom', 20);
    metrics.recordSystemException('publish failed: timeout');

    const exp = await scrape(metrics);
    const M = PulsarFunctionMetric;
    assert.equal(sampleValue(exp, M.ReceivedTotal), 3);
    assert.equal(sampleValue(exp, M.Received1min), 3);
    assert.equal(sampleValue(exp, M.ProcessedSuccessfullyTotal), 2);
    assert.equal(sampleValue(exp, M.ProcessedSuccessfully1min), 2);
    assert.equal(sampleValue(exp, M.UserExceptionsTotal), 1);
    assert.equal(sampleValue(exp, M.UserExceptions1min), 1);
    assert.equal(sampleValue(exp, M.SystemExceptionsTotal), 1);
    assert.equal(sampleValue(exp, M.SystemExceptions1min), 1);
    assert.equal(sampleValue(exp, M.LastInvocation), 1_700_000_000_005);
    for (const name of [M.ProcessLatencyMs, M.ProcessLatencyMs1min]) {
      assert.equal(sampleValue(exp, `${name}_count`), 3);
      assert.equal(sampleValue(exp, `${name}_sum`), 60);
      const quantiles = exp.samples.filter((s) => s.name === name).map((s) => s.labels.quantile);
      assert.deepEqual(quantiles, ['0.5', '0.9', '0.99', '0.999']);
      assert.equal(sampleValue(exp, name, { quantile: '0.5' }), 20);
    }

    const snap = metrics.snapshot();
    assert.equal(snap.instanceId, 2);
    assert.equal(snap.receivedTotal, 3);
    assert.equal(snap.processedSuccessfullyTotal, 2);
    assert.equal(snap.userExceptionsTotal, 1);
    assert.equal(snap.systemExceptionsTotal, 1);
    assert.equal(snap.avgProcessLatency, 20);
    assert.equal(snap.lastInvocation, 1_700_000_000_005);
    assert.deepEqual(snap.latestUserExceptions, [
      { exceptionString: 'exit code 1: boom', timestampMs: 1_700_000_000_005 },
    ]);
    assert.deepEqual(snap.latestSystemExceptions, [
      { exceptionString: 'publish failed: timeout', timestampMs: 1_700_000_000_005 },
    ]);
    metrics.close();
  });

  it('resets the one-minute series every minute and keeps the totals', async () => {
    const clock = new FakeClock();
    const metrics = metricsOn(clock);
    metrics.recordReceived();
    metrics.recordSuccess(8);
    metrics.recordUserException('exit code 2');
    clock.advance(59_999);
    let exp = await scrape(metrics);
    assert.equal(sampleValue(exp, PulsarFunctionMetric.Received1min), 1);

    clock.advance(1);
    exp = await scrape(metrics);
    const M = PulsarFunctionMetric;
    for (const name of [
      M.Received1min,
      M.ProcessedSuccessfully1min,
      M.UserExceptions1min,
      M.SystemExceptions1min,
    ]) {
      assert.equal(sampleValue(exp, name), 0, name);
    }
    assert.equal(sampleValue(exp, `${M.ProcessLatencyMs1min}_count`), 0);
    assert.equal(sampleValue(exp, M.ReceivedTotal), 1);
    assert.equal(sampleValue(exp, M.ProcessedSuccessfullyTotal), 1);
    assert.equal(sampleValue(exp, M.UserExceptionsTotal), 1);
    assert.equal(sampleValue(exp, `${M.ProcessLatencyMs}_count`), 1);

    const snap = metrics.snapshot();
    assert.deepEqual(snap.oneMin, {
      receivedTotal: 0,
      processedSuccessfullyTotal: 0,
      systemExceptionsTotal: 0,
      userExceptionsTotal: 0,
      avgProcessLatency: 0,
    });
    assert.equal(snap.receivedTotal, 1);
    // Like Pulsar, the latest exceptions go with the window.
    assert.deepEqual(snap.latestUserExceptions, []);

    metrics.recordReceived();
    clock.advance(60_000);
    assert.equal(metrics.snapshot().oneMin.receivedTotal, 0);
    assert.equal(metrics.snapshot().receivedTotal, 2);
    metrics.close();
  });

  it("counts pf-bash's own series", async () => {
    const metrics = metricsOn(new FakeClock());
    metrics.setHeld(7);
    metrics.setInFlight(3);
    metrics.recordDeadLettered();
    metrics.recordRetry();
    metrics.recordRetry();
    metrics.recordPublished();
    metrics.recordPublished(4);
    metrics.recordScriptRun(2, false);
    metrics.recordScriptRun(30_000, true);
    metrics.recordLogLinesDropped(5);
    const exp = await scrape(metrics);
    const P = PfBashMetric;
    assert.equal(exp.types.get(P.ScriptDurationSeconds), 'histogram');
    assert.equal(sampleValue(exp, P.MessagesHeld), 7);
    assert.equal(sampleValue(exp, P.ExecutionsInFlight), 3);
    assert.equal(sampleValue(exp, P.DeadLetteredTotal), 1);
    assert.equal(sampleValue(exp, P.RetriesTotal), 2);
    assert.equal(sampleValue(exp, P.OutputMessagesPublishedTotal), 5);
    assert.equal(sampleValue(exp, P.ScriptTimeoutsTotal), 1);
    assert.equal(sampleValue(exp, P.LogLinesDroppedTotal), 5);
    assert.equal(sampleValue(exp, `${P.ScriptDurationSeconds}_count`), 2);
    assert.equal(sampleValue(exp, `${P.ScriptDurationSeconds}_sum`), 30.002);
    assert.equal(sampleValue(exp, `${P.ScriptDurationSeconds}_bucket`, { le: '0.0025' }), 1);
    assert.equal(sampleValue(exp, `${P.ScriptDurationSeconds}_bucket`, { le: '30' }), 2);
    metrics.close();
  });

  it('adds process metrics (resident memory) to the same registry when asked', async () => {
    const metrics = metricsOn(new FakeClock(), true);
    const exp = await scrape(metrics);
    assert.ok(sampleValue(exp, 'process_resident_memory_bytes', { fqfn: 'acme/etl/reverse' }) > 0);
    metrics.close();
  });

  it('keeps one registry per instance, so two instances in one process do not collide', async () => {
    const a = metricsOn(new FakeClock());
    const b = new FunctionMetrics({ identity: { ...identity, instanceId: 3 }, defaultMetrics: false });
    a.recordReceived();
    assert.equal(sampleValue(await scrape(a), PulsarFunctionMetric.ReceivedTotal), 1);
    const expB = await scrape(b);
    assert.equal(
      sampleValue(expB, PulsarFunctionMetric.ReceivedTotal, { instance_id: '3', cluster: 'standalone' }),
      0,
    );
    a.close();
    b.close();
  });

  it('stops its timer on close', () => {
    const clock = new FakeClock();
    const metrics = metricsOn(clock);
    assert.equal(clock.pendingTimers, 1);
    metrics.close();
    metrics.close();
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('LatestExceptions', () => {
  it('keeps the last N, oldest first, and cuts long messages', () => {
    const ring = new LatestExceptions(3, 5);
    for (let i = 1; i <= 5; i++) ring.add(`e${i}`, i);
    assert.deepEqual(
      ring.list().map((e) => e.exceptionString),
      ['e3', 'e4', 'e5'],
    );
    ring.add('0123456789', 6);
    assert.deepEqual(ring.list().at(-1), { exceptionString: '01234…', timestampMs: 6 });
    ring.clear();
    assert.deepEqual(ring.list(), []);
    const none = new LatestExceptions(0, 10);
    none.add('x', 1);
    assert.deepEqual(none.list(), []);
  });
});
