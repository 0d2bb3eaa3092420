// The dispatcher's bounds: held messages, scripts at once, and one-after-another per chain.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dispatcher } from '../../../../src/runtime/processor/index.ts';
import { settle } from '../../../support/fake-clock.ts';
import { deferred } from './fakes.ts';

const fail = (error: unknown) => assert.fail(String(error));

describe('Dispatcher', () => {
  it('has room until maxHeld messages are held, and again once one settles', async () => {
    const held: number[] = [];
    const d = new Dispatcher({ concurrency: 1, maxHeld: 2, onHeldChange: (n) => held.push(n) });
    const gates = [deferred<void>(), deferred<void>()];
    for (const gate of gates) d.submit(undefined, () => gate.promise, fail);
    let room = false;
    void d.whenRoom().then(() => {
      room = true;
    });
    await settle();
    assert.equal(room, false);
    gates[0]!.resolve();
    await settle();
    assert.equal(room, true);
    assert.deepEqual(held, [1, 2, 1]);
  });

  it('runs at most `concurrency` tasks of the pool at once', async () => {
    const d = new Dispatcher({ concurrency: 2, maxHeld: 10 });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, () => deferred<void>());
    const runs = gates.map((gate) =>
      d.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
      }),
    );
    await settle();
    assert.equal(running, 2);
    for (const gate of gates) gate.resolve();
    await Promise.all(runs);
    assert.equal(peak, 2);
  });

  it('runs messages of one chain one after another, other chains alongside', async () => {
    const d = new Dispatcher({ concurrency: 4, maxHeld: 10 });
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      const gate = deferred<void>();
      gates.set(name, gate);
      await gate.promise;
      log.push(`end ${name}`);
    };
    d.submit('a', task('a1'), fail);
    d.submit('a', task('a2'), fail);
    d.submit('b', task('b1'), fail);
    d.submit(undefined, task('x'), fail);
    await settle();
    assert.deepEqual([...log].sort(), ['start a1', 'start b1', 'start x']);
    gates.get('b1')!.resolve();
    await settle();
    assert.ok(!log.includes('start a2'));
    gates.get('a1')!.resolve();
    await settle();
    assert.deepEqual(log.slice(-2), ['end a1', 'start a2']);
    gates.get('a2')!.resolve();
    gates.get('x')!.resolve();
    await d.whenIdle();
    assert.equal(d.held, 0);
  });

  it('goes on with a chain after a handler rejects, reporting the error', async () => {
    const d = new Dispatcher({ concurrency: 1, maxHeld: 10 });
    const errors: unknown[] = [];
    let second = false;
    d.submit(
      'k',
      async () => Promise.reject(new Error('bug')),
      (e) => errors.push(e),
    );
    d.submit(
      'k',
      async () => {
        second = true;
      },
      fail,
    );
    await d.whenIdle();
    assert.equal(second, true);
    assert.equal(errors.length, 1);
  });
});
