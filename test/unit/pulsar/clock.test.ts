// The clock the client runs on: timeouts measured on a monotonic source, timers that never keep the process
// alive on their own, and the keep-alive hold a pending send() or receive() takes instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Clock, KeepAlive, monotonicNow, systemClock } from '../../../src/pulsar/util/index.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/** Ref'd timers: what keeps a Node process running. */
const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('systemClock: monotonic time from performance.now(), wall time from Date.now()', () => {
  const before = performance.now();
  const monotonic = systemClock.monotonicNow!();
  assert.ok(monotonic >= before && monotonic <= performance.now());
  assert.ok(Math.abs(systemClock.now() - Date.now()) < 1000);
});

test('systemClock: timers are unref’d; only keepAlive holds the process, until cancelled', () => {
  const base = refTimers();
  const timer = systemClock.setTimeout(() => {}, 60_000);
  const interval = systemClock.setInterval(() => {}, 60_000);
  assert.equal(refTimers(), base);
  const hold = systemClock.keepAlive!();
  assert.equal(refTimers(), base + 1);
  hold.cancel();
  hold.cancel();
  assert.equal(refTimers(), base);
  timer.cancel();
  interval.cancel();
});

test('monotonicNow falls back to now() for a clock written before monotonicNow existed', () => {
  const legacy: Clock = {
    now: () => 42,
    setTimeout: systemClock.setTimeout,
    setInterval: systemClock.setInterval,
  };
  assert.equal(monotonicNow(legacy), 42);
  const fake = new FakeClock(1000);
  fake.jumpWallClock(-500);
  assert.equal(fake.now(), 500);
  assert.equal(monotonicNow(fake), 1000);
});

test('KeepAlive takes one hold however often it is told busy, and none without Clock.keepAlive', () => {
  const clock = new FakeClock();
  const hold = new KeepAlive(clock);
  hold.busy(true);
  hold.busy(true);
  assert.equal(clock.keptAlive, 1);
  hold.busy(false);
  hold.busy(false);
  assert.equal(clock.keptAlive, 0);
  const legacy = new KeepAlive({
    now: () => 0,
    setTimeout: clock.setTimeout,
    setInterval: clock.setInterval,
  });
  legacy.busy(true);
  assert.equal(legacy.held, true);
  legacy.busy(false);
  assert.equal(legacy.held, false);
});
