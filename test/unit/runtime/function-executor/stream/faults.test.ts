// Stream mode's faults against real bash: processes that exit, crash or stall, restarts and their backoff,
// readiness, aborts, pipelining and its bound, and closing. Timers run on a fake clock where they matter; waits
// are for events, never for a duration.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { InvocationResult } from '../../../../../src/runtime/function-executor/index.ts';
import type { StreamProcessEvent } from '../../../../../src/runtime/function-executor/stream/index.ts';
import { FakeClock } from '../../../../support/fake-clock.ts';
import { isRunning, readWhenWritten, scratchDir, waitUntil } from '../helpers.ts';
import { ECHO_LINES, message, streamExecutorFor, succeeded } from './helpers.ts';

/** Runs messages the way the core does: a failed one is run again (as if redelivered) until it succeeds. */
async function runUntilSuccess(
  run: (i: number, attempt: number) => Promise<InvocationResult>,
  i: number,
  maxAttempts: number,
): Promise<{ result: InvocationResult; attempts: number }> {
  for (let attempt = 0; ; attempt++) {
    const result = await run(i, attempt);
    if (result.outcome === 'success' || attempt + 1 >= maxAttempts) return { result, attempts: attempt + 1 };
  }
}

describe('stream mode: processes that end', () => {
  it('loses nothing when the script exits (code 0) after every 100 messages', async () => {
    const executor = streamExecutorFor(
      'n=0\nwhile IFS= read -r line; do printf "%s\\n" "$line"; ((++n == 100)) && exit 0; done',
      { codec: 'lines', processes: 2, pipeline: 16 },
    );
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => executor.run(message(i))));
    assert.deepEqual(
      results.map(succeeded),
      Array.from({ length: 1000 }, (_, i) => `m-${i}`),
    );
    assert.ok(executor.restarts >= 9, `restarts: ${executor.restarts}`);
  });

  it('loses nothing when the script exits with code 1 after every 100 messages: failures are retried', async () => {
    const executor = streamExecutorFor(
      'n=0\nwhile IFS= read -r line; do printf "%s\\n" "$line"; ((++n == 100)) && exit 1; done',
      { codec: 'lines', processes: 2, pipeline: 16 },
    );
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        runUntilSuccess((n, attempt) => executor.run(message(n, { redeliveryCount: attempt })), i, 4),
      ),
    );
    assert.deepEqual(
      outcomes.map(({ result }) => succeeded(result)),
      Array.from({ length: 1000 }, (_, i) => `m-${i}`),
    );
    // Only the message being answered when a process ended is charged a failure, never the ones queued behind it.
    const retried = outcomes.filter(({ attempts }) => attempts > 1).length;
    assert.ok(
      retried >= 1 && retried <= executor.restarts,
      `retried ${retried}, restarts ${executor.restarts}`,
    );
  });

  it('fails the message a crash happened under; the others go to the restarted process', async () => {
    const executor = streamExecutorFor(
      'while IFS= read -r line; do [[ $line == crash ]] && exit 3; [[ $line == dead ]] && exit "$PF_EXIT_PERMANENT"; printf "%s\\n" "$line"; done',
      { codec: 'lines' },
    );
    const payloads = ['a', 'crash', 'b', 'c', 'dead', 'd'];
    const results = await Promise.all(
      payloads.map((p, i) => executor.run(message(i, { payload: Buffer.from(p) }))),
    );
    assert.equal(results[1]!.outcome, 'failure');
    assert.equal(results[1]!.failureCode, 'exit-code');
    assert.equal(results[1]!.exitCode, 3);
    assert.match(results[1]!.reason!, /exited with code 3 while answering this message/);
    assert.equal(results[4]!.outcome, 'permanent-failure');
    assert.equal(results[4]!.failureCode, 'permanent-exit-code');
    assert.deepEqual(
      [0, 2, 3, 5].map((i) => succeeded(results[i]!)),
      ['a', 'b', 'c', 'd'],
    );
    assert.equal(executor.restarts, 2);
  });

  it('survives a TMPDIR it cannot remove (a script left an unremovable directory): reports it and goes on', async () => {
    const left: StreamProcessEvent[] = [];
    let sawLeft: () => void = () => {};
    const reported = new Promise<void>((resolve) => {
      sawLeft = resolve;
    });
    // Root removes a `chmod 555` directory regardless, so the failure is injected where rmSync would throw.
    const executor = streamExecutorFor('IFS= read -r line; printf "%s\\n" "$line"; exit 0', {
      codec: 'lines',
      processes: 1,
      removeDirectory: (dir) => {
        throw Object.assign(new Error(`EACCES: permission denied, rmdir '${dir}/locked'`), {
          code: 'EACCES',
        });
      },
      onEvent: (event) => {
        if (event.kind !== 'tmp-left') return;
        left.push(event);
        sawLeft();
      },
    });
    assert.equal(succeeded(await executor.run(message(1))), 'm-1');
    await reported;
    assert.match((left[0] as { error: string }).error, /EACCES/);
    // The pool restarted the process and still answers.
    assert.equal(succeeded(await executor.run(message(2))), 'm-2');
  });

  it('lets go of its pipes when a child that escaped the group (setsid) keeps them open after an exit', async (t) => {
    const clock = new FakeClock();
    const dir = scratchDir();
    const [outPid, errPid] = [path.join(dir, 'out.pid'), path.join(dir, 'err.pid')];
    const exited: StreamProcessEvent[] = [];
    // Each writer holds both pipes, writes to one of them, and dies of SIGPIPE once its reading end is closed.
    // A writer notes its pid once out of the group, and the script exits only then (else the kill may catch it).
    const [out, err] = [JSON.stringify(outPid), JSON.stringify(errPid)];
    streamExecutorFor(
      [
        `setsid bash -c 'echo $$ >${out}; while sleep 0.05; do printf x; done' &`,
        `setsid bash -c 'echo $$ >${err}; while sleep 0.05; do printf y >&2; done' &`,
        `until [[ -s ${out} && -s ${err} ]]; do sleep 0.01; done`,
        'exit 0',
      ].join('\n'),
      { codec: 'lines', processes: 1, killGraceMs: 2000, clock, onEvent: (e) => exited.push(e) },
    );
    const writers = [Number(await readWhenWritten(outPid)), Number(await readWhenWritten(errPid))];
    t.after(() => {
      for (const pid of writers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    });
    await waitUntil('bash exits and the close timer starts', () => clock.pendingTimers > 0);
    assert.ok(
      writers.every((pid) => isRunning(pid)),
      'the group kill missed them',
    );
    clock.advance(2000);
    assert.ok(exited.some((e) => e.kind === 'exited'));
    await waitUntil('both writers see their pipe closed', () => !writers.some(isRunning));
  });

  it('fails a message after it was in flight through MAX_REQUEUES exits it did not cause', async () => {
    // Reads one message and exits 0 without answering: nobody is to blame, so each message is sent again.
    const executor = streamExecutorFor('IFS= read -r line; exit 0', {
      codec: 'lines',
      restartBackoffMs: 1,
      restartBackoffMaxMs: 1,
    });
    const result = await executor.run(message(1));
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'exit-code');
    assert.match(result.reason!, /ended 4 times while this message was in flight \(exit code 0\)/);
  });

  it('times out a stalled message: kills the process group, fails it, restarts, retries the rest', async () => {
    const clock = new FakeClock();
    const dir = scratchDir();
    const events: StreamProcessEvent[] = [];
    const executor = streamExecutorFor(
      [
        'while IFS= read -r line; do',
        `  if [[ $line == stall ]]; then sleep 600 & echo $! >${JSON.stringify(path.join(dir, 'sleep.pid'))}; wait; fi`,
        '  printf "%s\\n" "$line"',
        'done',
      ].join('\n'),
      { codec: 'lines', timeoutMs: 1000, clock, onEvent: (e) => events.push(e) },
    );
    assert.equal(succeeded(await executor.run(message(0, { payload: Buffer.from('before') }))), 'before');
    const stalled = executor.run(message(1, { payload: Buffer.from('stall') }));
    const behind = executor.run(message(2, { payload: Buffer.from('behind') }));
    const sleepPid = Number(await readWhenWritten(path.join(dir, 'sleep.pid')));
    assert.ok(isRunning(sleepPid));
    clock.advance(999);
    assert.ok(isRunning(sleepPid), 'not before the timeout');
    clock.advance(1);
    const result = await stalled;
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'timeout');
    assert.equal(result.timedOut, true);
    assert.match(result.reason!, /did not answer within 1000 ms; its process group was killed/);
    assert.equal(succeeded(await behind), 'behind', 'the message behind it went to the next process');
    await waitUntil('the sleep started by the script is killed', () => !isRunning(sleepPid));
    const exited = events.find((e) => e.kind === 'exited');
    assert.equal(
      exited?.kind === 'exited' && exited.restartInMs,
      0,
      'a process that answered restarts at once',
    );
  });

  it('group-kills a stalled script and its child with SIGKILL after the grace when they ignore SIGTERM', async () => {
    const clock = new FakeClock();
    const dir = scratchDir();
    // An ignored signal stays ignored across exec, so the sleep ignores SIGTERM too.
    const executor = streamExecutorFor(
      `trap '' TERM\nwhile IFS= read -r line; do sleep 600 & echo $! >${JSON.stringify(path.join(dir, 'pid'))}; wait; done`,
      { codec: 'lines', timeoutMs: 100, killGraceMs: 500, clock },
    );
    const stalled = executor.run(message(1));
    const sleepPid = Number(await readWhenWritten(path.join(dir, 'pid')));
    const [bashPid] = executor.pids;
    clock.advance(100);
    clock.advance(499);
    assert.ok(isRunning(bashPid!) && isRunning(sleepPid), 'SIGTERM is ignored');
    clock.advance(1);
    const result = await stalled;
    assert.equal(result.failureCode, 'timeout');
    await waitUntil('bash and the sleep are killed', () => !isRunning(bashPid!) && !isRunning(sleepPid));
  });
});

describe('stream mode: restart backoff and readiness', () => {
  it('restarts a process that never answers after 100 ms, doubling, capped; not ready meanwhile', async () => {
    const clock = new FakeClock();
    const exits: number[] = [];
    const readiness: boolean[] = [];
    let exited = 0;
    const executor = streamExecutorFor('exit 1', {
      codec: 'lines',
      clock,
      restartBackoffMs: 100,
      restartBackoffMaxMs: 300,
      onEvent: (e) => {
        if (e.kind === 'exited') {
          exited++;
          exits.push(e.restartInMs!);
        }
      },
      onReadyChange: (ready) => readiness.push(ready),
    });
    for (const delay of [100, 200, 300, 300]) {
      const before = exited;
      await waitUntil('the process exits', () => exited > before);
      assert.equal(executor.ready, false, 'no process up');
      clock.advance(delay - 1);
      assert.equal(exited, before + 1, 'no restart before the delay');
      clock.advance(1);
    }
    assert.deepEqual(exits.slice(0, 4), [100, 200, 300, 300]);
    assert.deepEqual(readiness.slice(0, 4), [true, false, true, false]);
  });

  it('restarts at once after a process that answered, and the delay starts over', async () => {
    const clock = new FakeClock();
    const count = path.join(scratchDir(), 'count');
    const delays: (number | undefined)[] = [];
    // The third process answers one message; every other one exits at once.
    const executor = streamExecutorFor(
      [
        `n=$(($(cat ${JSON.stringify(count)} 2>/dev/null || echo 0) + 1)); echo "$n" >${JSON.stringify(count)}`,
        '((n == 3)) || exit 1',
        'IFS= read -r line && printf "%s\\n" "$line"',
      ].join('\n'),
      { codec: 'lines', clock, onEvent: (e) => e.kind === 'exited' && delays.push(e.restartInMs) },
    );
    await waitUntil('the first exit', () => delays.length === 1);
    clock.advance(100);
    await waitUntil('the second exit', () => delays.length === 2);
    clock.advance(200);
    assert.equal(succeeded(await executor.run(message(1))), 'm-1');
    await waitUntil('the fourth exit', () => delays.length === 4);
    assert.deepEqual(delays, [100, 200, 0, 100]);
  });

  it('is ready once a process runs, and not after close', async () => {
    const executor = streamExecutorFor(ECHO_LINES, { processes: 2 });
    assert.equal(executor.ready, true);
    await executor.close();
    assert.equal(executor.ready, false);
  });
});

describe('stream mode: pipelining', () => {
  it('keeps replies matched to messages in order, many in flight to one process', async () => {
    const executor = streamExecutorFor(ECHO_LINES, { processes: 1, pipeline: 16 });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => executor.run(message(i))));
    assert.deepEqual(
      results.map(succeeded),
      Array.from({ length: 500 }, (_, i) => `m-${i}`),
    );
  });

  it('writes up to `pipeline` messages before any reply, and no more', async () => {
    const dir = scratchDir();
    const seen = path.join(dir, 'seen');
    const executor = streamExecutorFor(
      `while IFS= read -r line; do printf "%s\\n" "$line" >>${JSON.stringify(seen)}; done`,
      { processes: 1, pipeline: 4 },
    );
    const controller = new AbortController();
    const runs = Array.from({ length: 10 }, (_, i) => executor.run(message(i), controller.signal));
    await waitUntil('4 messages reach the script', () => lines(seen).length === 4);
    assert.deepEqual(lines(seen), ['m-0', 'm-1', 'm-2', 'm-3']);
    controller.abort();
    const results = await Promise.all(runs);
    assert.ok(results.every((r) => r.aborted && r.failureCode === 'aborted'));
    assert.deepEqual(lines(seen), ['m-0', 'm-1', 'm-2', 'm-3'], 'the queued ones were never sent');
  });

  it('balances messages over the processes', async () => {
    const executor = streamExecutorFor('while IFS= read -r line; do printf "%s\\n" "$$"; done', {
      processes: 3,
      pipeline: 2,
    });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => executor.run(message(i))));
    const pids = new Set(results.map(succeeded));
    assert.equal(pids.size, 3);
  });
});

describe('stream mode: abort and close', () => {
  it('aborts an in-flight message by killing its process; the others are sent again', async () => {
    const executor = streamExecutorFor(
      'while IFS= read -r line; do [[ $line == hang ]] && sleep 600; printf "%s\\n" "$line"; done',
      { codec: 'lines' },
    );
    const controller = new AbortController();
    const hung = executor.run(message(1, { payload: Buffer.from('hang') }), controller.signal);
    const behind = executor.run(message(2, { payload: Buffer.from('behind') }));
    const [pid] = executor.pids;
    controller.abort();
    const result = await hung;
    assert.equal(result.aborted, true);
    assert.equal(result.failureCode, 'aborted');
    assert.equal(succeeded(await behind), 'behind');
    await waitUntil('the aborted process is gone', () => !isRunning(pid!));
  });

  it('refuses a message whose signal already fired, and any message once closing', async () => {
    const executor = streamExecutorFor(ECHO_LINES);
    const early = await executor.run(message(1), AbortSignal.abort());
    assert.equal(early.aborted, true);
    const closing = executor.close();
    const late = await executor.run(message(2));
    assert.equal(late.aborted, true);
    assert.match(late.reason!, /closing/);
    await closing;
  });

  it('drains what is in flight, closes stdin and waits for the processes to exit', async () => {
    const dir = scratchDir();
    const marker = path.join(dir, 'ended');
    const executor = streamExecutorFor(`${ECHO_LINES}\necho "input ended" >${JSON.stringify(marker)}`, {
      processes: 2,
      pipeline: 8,
    });
    const pids = executor.pids;
    const runs = Array.from({ length: 100 }, (_, i) => executor.run(message(i)));
    await executor.close();
    const results = await Promise.all(runs);
    assert.deepEqual(
      results.map(succeeded),
      Array.from({ length: 100 }, (_, i) => `m-${i}`),
    );
    assert.equal(readFileSync(marker, 'utf8'), 'input ended\n', 'the script saw the end of its input');
    for (const pid of pids) assert.equal(isRunning(pid!), false);
    assert.deepEqual(executor.pids, [undefined, undefined]);
  });

  it('kills the process group of a script that does not exit at the end of its input', async () => {
    const clock = new FakeClock();
    const dir = scratchDir();
    const executor = streamExecutorFor(
      `exec </dev/null\nsleep 600 & echo $! >${JSON.stringify(path.join(dir, 'pid'))}\nwhile :; do wait; done`,
      { killGraceMs: 2000, clock },
    );
    const sleepPid = Number(await readWhenWritten(path.join(dir, 'pid')));
    const [bashPid] = executor.pids;
    let closed = false;
    const closing = executor.close().then(() => {
      closed = true;
    });
    await waitUntil('close() waits for the exit', () => clock.pendingTimers > 0);
    assert.equal(closed, false);
    clock.advance(2000);
    await closing;
    await waitUntil('bash and its child are killed', () => !isRunning(bashPid!) && !isRunning(sleepPid));
  });
});

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}
