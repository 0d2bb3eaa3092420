// Shared by the executor's tests: scripts written to a temporary directory, a function instance and messages.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import {
  createExecExecutor,
  type ExecExecutorOptions,
  type FunctionInstance,
  type Invocation,
} from '../../../../src/runtime/function-executor/index.ts';

const root = mkdtempSync(path.join(tmpdir(), 'pf-executor-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A fresh directory that lives as long as the test file. */
export function scratchDir(): string {
  return mkdtempSync(path.join(root, 'dir-'));
}

/** Writes `body` as a bash script and returns its path. */
export function script(body: string): string {
  const file = path.join(root, `script-${++counter}.sh`);
  writeFileSync(file, body);
  return file;
}

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');
export const examplesDir = path.join(repoRoot, 'scripts/examples');

export const instance: FunctionInstance = {
  tenant: 'public',
  namespace: 'default',
  name: 'test-fn',
  instanceId: 1,
  numInstances: 3,
  inputTopics: ['persistent://public/default/in-a', 'persistent://public/default/in-b'],
  outputTopic: 'persistent://public/default/out',
  userConfig: { greeting: 'hi', nested: { n: 1 } },
};

export function invocation(overrides: Partial<Invocation> = {}): Invocation {
  return {
    payload: Buffer.from('hello'),
    messageId: '12:34:-1:-1',
    key: 'key-1',
    topic: 'persistent://public/default/in-a',
    publishTime: 1_700_000_000_000,
    eventTime: 1_699_999_999_000,
    redeliveryCount: 2,
    properties: { origin: 'test' },
    ...overrides,
  };
}

/** An executor for a script body (or an existing file with `{ file }`). */
export function executorFor(body: string | { file: string }, options: Partial<ExecExecutorOptions> = {}) {
  const scriptPath = typeof body === 'string' ? script(body) : body.file;
  return createExecExecutor({ scriptPath, instance, ...options });
}

export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

/** True while `pid` is a live process (a zombie counts as gone: it runs nothing and only awaits its reaper). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls `check` until it is true; fails after a generous `timeoutMs`. Waits for a condition, not a duration. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits for a file to appear with content, and returns it. */
export async function readWhenWritten(file: string): Promise<string> {
  let content = '';
  await waitUntil(`${file} is written`, () => {
    try {
      content = readFileSync(file, 'utf8').trim();
      return content !== '';
    } catch {
      return false;
    }
  });
  return content;
}
