// The shutdown sequence: intake stops first, the drain waits for in-flight work up to its timeout, then what
// still runs is aborted, then everything closes in order, each close bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onTerminationSignals, type ShutdownPlan, shutdown } from '../../../../src/runtime/shutdown.ts';
import { FakeClock, settle } from '../../../support/fake-clock.ts';
import { deferred, MemoryLogger } from '../processor/fakes.ts';

function plan(log: string[], idle: Promise<void>, closers: ShutdownPlan['closers'] = []): ShutdownPlan {
  return {
    stopIntake: async () => {
      log.push('stop intake');
    },
    whenIdle: () =>
      idle.then(() => {
        log.push('idle');
      }),
    abort: () => log.push('abort'),
    closers,
  };
}

const closer = (log: string[], name: string, close: () => Promise<void> = async () => {}) => ({
  name,
  close: async () => {
    log.push(`close ${name}`);
    await close();
  },
});

describe('shutdown', () => {
  it('waits for in-flight work, then closes in order', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const idle = deferred<void>();
    const done = shutdown(plan(log, idle.promise, [closer(log, 'consumer'), closer(log, 'producers')]), {
      drainTimeoutMs: 30_000,
      abortWaitMs: 10_000,
      closeTimeoutMs: 5_000,
      clock,
      logger: new MemoryLogger(),
    });
    await clock.advanceAsync(29_000);
    assert.deepEqual(log, ['stop intake']);
    idle.resolve();
    const report = await done;
    assert.deepEqual(report, { drained: true, stuck: [] });
    assert.deepEqual(log, ['stop intake', 'idle', 'abort', 'idle', 'close consumer', 'close producers']);
  });

  it('aborts what still runs at the drain timeout', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const idle = deferred<void>();
    const logger = new MemoryLogger();
    const steps = plan(log, idle.promise);
    const done = shutdown(
      {
        ...steps,
        abort: () => {
          log.push('abort');
          idle.resolve();
        },
      },
      { drainTimeoutMs: 30_000, abortWaitMs: 10_000, closeTimeoutMs: 5_000, clock, logger },
    );
    await clock.advanceAsync(30_000);
    const report = await done;
    assert.equal(report.drained, false);
    assert.deepEqual(log.slice(0, 2), ['stop intake', 'abort']);
    assert.ok(logger.lines.some((l) => /drain timeout: killing running scripts/.test(l.message)));
  });

  it('gives up on a close that hangs and goes on with the next', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const never = new Promise<void>(() => {});
    const done = shutdown(
      plan(log, Promise.resolve(), [closer(log, 'producers', () => never), closer(log, 'client')]),
      {
        drainTimeoutMs: 30_000,
        abortWaitMs: 10_000,
        closeTimeoutMs: 5_000,
        clock,
        logger: new MemoryLogger(),
      },
    );
    await settle();
    await clock.advanceAsync(5_000);
    const report = await done;
    assert.deepEqual(report.stuck, ['producers']);
    assert.ok(log.includes('close client'));
  });

  it('cuts the drain short when hurried (a second signal)', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const hurry = deferred<void>();
    const idle = deferred<void>();
    const done = shutdown(
      {
        ...plan(log, idle.promise),
        abort: () => {
          log.push('abort');
          idle.resolve();
        },
      },
      {
        drainTimeoutMs: 30_000,
        abortWaitMs: 10_000,
        closeTimeoutMs: 5_000,
        clock,
        logger: new MemoryLogger(),
        hurry: hurry.promise,
      },
    );
    await settle();
    hurry.resolve();
    const report = await done;
    assert.equal(report.drained, false);
    assert.equal(clock.now() - 1_700_000_000_000, 0, 'without waiting for the drain timeout');
    assert.ok(log.includes('abort'));
  });
});

describe('onTerminationSignals', () => {
  it('counts SIGTERM and SIGINT together, and removes its handlers', () => {
    const listeners = new Map<string, () => void>();
    const source = {
      on: (signal: 'SIGTERM' | 'SIGINT', listener: () => void) => listeners.set(signal, listener),
      off: (signal: 'SIGTERM' | 'SIGINT') => listeners.delete(signal),
    };
    const seen: string[] = [];
    const remove = onTerminationSignals(source, (signal, count) => seen.push(`${signal} ${count}`));
    listeners.get('SIGTERM')!();
    listeners.get('SIGINT')!();
    assert.deepEqual(seen, ['SIGTERM 1', 'SIGINT 2']);
    remove();
    assert.equal(listeners.size, 0);
  });
});
