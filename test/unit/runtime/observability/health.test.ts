// InstanceHealth: the phases an instance goes through and what each probe says in each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceHealth, InstancePhase } from '../../../../src/runtime/http/index.ts';

describe('InstanceHealth', () => {
  it('goes starting → running → draining → stopped, never backwards', () => {
    const health = new InstanceHealth({ workerId: 'w' });
    assert.equal(health.phase, InstancePhase.Starting);
    assert.equal(health.running, false);
    health.markRunning();
    assert.equal(health.phase, InstancePhase.Running);
    assert.deepEqual(health.readiness(), { ok: true });
    assert.equal(health.running, true);
    health.markDraining();
    health.markRunning();
    assert.equal(health.phase, InstancePhase.Draining);
    assert.equal(health.running, true);
    assert.deepEqual(health.liveness(), { ok: true });
    health.markStopped();
    assert.equal(health.phase, InstancePhase.Stopped);
    assert.deepEqual(health.readiness(), { ok: false, reason: 'stopped' });
    assert.deepEqual(health.liveness(), { ok: true });
    assert.equal(health.running, false);
  });

  it('drains straight from starting (SIGTERM before the subscription)', () => {
    const health = new InstanceHealth();
    health.markDraining();
    assert.deepEqual(health.readiness(), { ok: false, reason: 'draining' });
  });

  it('treats a subscription check that throws as not subscribed', () => {
    const health = new InstanceHealth();
    health.markRunning({
      subscribed: () => {
        throw new Error('no consumer');
      },
    });
    assert.deepEqual(health.readiness(), { ok: false, reason: 'not-subscribed' });
  });

  it('says script-not-running while no stream-mode script process is up, not not-subscribed', () => {
    const health = new InstanceHealth();
    let subscribed = true;
    let scriptUp = false;
    health.markRunning({ subscribed: () => subscribed, scriptRunning: () => scriptUp });
    assert.deepEqual(health.readiness(), { ok: false, reason: 'script-not-running' });
    subscribed = false;
    assert.deepEqual(health.readiness(), { ok: false, reason: 'not-subscribed' }, 'the subscription first');
    subscribed = true;
    scriptUp = true;
    assert.deepEqual(health.readiness(), { ok: true });
    health.markDraining();
    scriptUp = false;
    assert.deepEqual(health.readiness(), { ok: false, reason: 'draining' });
  });

  it('fails from any phase and stays failed', () => {
    const health = new InstanceHealth();
    health.markRunning();
    health.markFailed('out of file descriptors');
    health.markStopped();
    assert.equal(health.phase, InstancePhase.Failed);
    assert.deepEqual(health.liveness(), { ok: false, reason: 'failed', detail: 'out of file descriptors' });
    assert.equal(health.error, 'out of file descriptors');
    assert.equal(health.running, false);
  });

  it('defaults the worker id to the host name', () => {
    assert.ok(new InstanceHealth().workerId.length > 0);
  });
});
