// Shared by the stream-mode tests: an executor for a script body that is always closed after the file's tests,
// numbered messages, and results as text.
import { after } from 'node:test';
import type { Clock } from '../../../../../src/pulsar/index.ts';
import type { Invocation, InvocationResult } from '../../../../../src/runtime/function-executor/index.ts';
import {
  createStreamExecutor,
  type StreamExecutor,
  type StreamExecutorOptions,
} from '../../../../../src/runtime/function-executor/stream/index.ts';
import { FakeClock } from '../../../../support/fake-clock.ts';
import { instance, invocation, script } from '../helpers.ts';

const open: { executor: StreamExecutor; clock: Clock | undefined }[] = [];
after(async () => {
  await Promise.all(open.map(({ executor, clock }) => closeNow(executor, clock)));
});

/** Closes, moving a fake clock on (a grace period would never end otherwise). */
async function closeNow(executor: StreamExecutor, clock: Clock | undefined): Promise<void> {
  let closed = false;
  const closing = executor.close().then(() => {
    closed = true;
  });
  while (!closed && clock instanceof FakeClock) {
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await closing;
}

export type StreamOptions = Partial<StreamExecutorOptions> & {
  readonly clock?: Clock;
  readonly removeDirectory?: (dir: string) => void;
};

/** A started executor for a script body (closed after the file's tests if the test did not). */
export function streamExecutorFor(body: string, options: StreamOptions = {}): StreamExecutor {
  const executor = createStreamExecutor({ scriptPath: script(body), instance, ...options });
  open.push({ executor, clock: options.clock });
  return executor;
}

/** Message `i`: payload `m-<i>` unless given, id `1:<i>:-1:-1`. */
export function message(i: number, overrides: Partial<Invocation> = {}): Invocation {
  return invocation({ payload: Buffer.from(`m-${i}`), messageId: `1:${i}:-1:-1`, ...overrides });
}

export function outputText(result: InvocationResult): string | undefined {
  return result.output === undefined ? undefined : Buffer.from(result.output.payload).toString('latin1');
}

/** Asserts a success and returns its output as latin1 text (undefined: no output message). */
export function succeeded(result: InvocationResult): string | undefined {
  if (result.outcome !== 'success') {
    throw new Error(`expected success, got ${result.outcome}: ${result.failureCode} ${result.reason}`);
  }
  return outputText(result);
}

/** The lines-codec echo: one reply line per message line. */
export const ECHO_LINES = 'while IFS= read -r line; do printf "%s\\n" "$line"; done';
