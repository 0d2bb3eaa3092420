// The status and stats documents: exactly the fields (and field order) of Pulsar's FunctionStatus and
// FunctionStatsImpl, built from the metrics; and the merge of several instances' documents.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FunctionMetrics,
  type FunctionStatus,
  functionStats,
  functionStatus,
  mergeFunctionStats,
  mergeFunctionStatus,
} from '../../../../src/runtime/metrics/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';

const identity = { tenant: 'public', namespace: 'default', name: 'reverse', instanceId: 1 };
const state = { running: true, error: '', numRestarts: 0, workerId: 'pf-public-default-reverse-1' };

function busyMetrics(): FunctionMetrics {
  const clock = new FakeClock(1_700_000_000_000);
  const metrics = new FunctionMetrics({ identity, clock, defaultMetrics: false });
  metrics.recordReceived();
  metrics.recordReceived();
  metrics.recordInvocation();
  metrics.recordSuccess(4);
  metrics.recordInvocation();
  metrics.recordUserException('exit code 1: no such file', 6);
  metrics.close();
  return metrics;
}

describe('functionStatus', () => {
  it('has the shape of `pulsar-admin functions status` for this instance', () => {
    const doc = functionStatus(busyMetrics().snapshot(), state);
    // Compared as JSON text so that field order counts too.
    assert.equal(
      JSON.stringify(doc),
      JSON.stringify({
        numInstances: 1,
        numRunning: 1,
        instances: [
          {
            instanceId: 1,
            status: {
              running: true,
              error: '',
              numRestarts: 0,
              numReceived: 2,
              numSuccessfullyProcessed: 1,
              numUserExceptions: 1,
              latestUserExceptions: [
                { exceptionString: 'exit code 1: no such file', timestampMs: 1_700_000_000_000 },
              ],
              numSystemExceptions: 0,
              latestSystemExceptions: [],
              averageLatency: 5,
              lastInvocationTime: 1_700_000_000_000,
              workerId: 'pf-public-default-reverse-1',
            },
          },
        ],
      }),
    );
  });

  it('counts a stopped instance as not running and reports zeros before any message', () => {
    const metrics = new FunctionMetrics({ identity, clock: new FakeClock(), defaultMetrics: false });
    const doc = functionStatus(metrics.snapshot(), { ...state, running: false, error: 'broker gone' });
    metrics.close();
    assert.equal(doc.numRunning, 0);
    const status = doc.instances[0]!.status;
    assert.equal(status.running, false);
    assert.equal(status.error, 'broker gone');
    assert.equal(status.averageLatency, 0);
    assert.equal(status.lastInvocationTime, 0);
  });
});

describe('functionStats', () => {
  it('has the shape of `pulsar-admin functions stats`, with "1min" and nulls where nothing was measured', () => {
    const doc = functionStats(busyMetrics().snapshot());
    const base = {
      receivedTotal: 2,
      processedSuccessfullyTotal: 1,
      systemExceptionsTotal: 0,
      userExceptionsTotal: 1,
      avgProcessLatency: 5,
    };
    assert.equal(
      JSON.stringify(doc),
      JSON.stringify({
        ...base,
        '1min': base,
        lastInvocation: 1_700_000_000_000,
        instances: [
          {
            instanceId: 1,
            metrics: { ...base, '1min': base, lastInvocation: 1_700_000_000_000, userMetrics: {} },
          },
        ],
      }),
    );

    const metrics = new FunctionMetrics({ identity, clock: new FakeClock(), defaultMetrics: false });
    const idle = functionStats(metrics.snapshot());
    metrics.close();
    assert.equal(idle.avgProcessLatency, null);
    assert.equal(idle['1min'].avgProcessLatency, null);
    assert.equal(idle.lastInvocation, null);
    assert.equal(idle.instances[0]!.metrics.lastInvocation, null);
  });
});

describe('merging instances', () => {
  it('sums counts, averages latencies over instances that have one, takes the latest invocation', () => {
    const one = functionStats(busyMetrics().snapshot()).instances[0]!;
    const idleMetrics = new FunctionMetrics({
      identity: { ...identity, instanceId: 0 },
      clock: new FakeClock(),
      defaultMetrics: false,
    });
    const zero = functionStats(idleMetrics.snapshot()).instances[0]!;
    idleMetrics.close();
    const merged = mergeFunctionStats([one, zero]);
    assert.deepEqual(
      merged.instances.map((i) => i.instanceId),
      [0, 1],
    );
    assert.equal(merged.receivedTotal, 2);
    assert.equal(merged.avgProcessLatency, 5);
    assert.equal(merged.lastInvocation, 1_700_000_000_000);
  });

  it('concatenates status documents and counts the running instances', () => {
    const a = functionStatus(busyMetrics().snapshot(), state);
    const b: FunctionStatus = { ...a, numRunning: 0, instances: [{ ...a.instances[0]!, instanceId: 0 }] };
    const merged = mergeFunctionStatus([a, b], 3);
    assert.equal(merged.numInstances, 3);
    assert.equal(merged.numRunning, 1);
    assert.deepEqual(
      merged.instances.map((i) => i.instanceId),
      [0, 1],
    );
    assert.equal(mergeFunctionStatus([a, b]).numInstances, 2);
  });
});
