// Runs one process as the leader of a new process group, feeds it stdin and settles once it has exited and its
// pipes have closed: the part of execa that exec mode needs, on node:child_process directly. Exec mode spawns
// hundreds of processes a second, and execa's per-call option normalisation, promises and stream plumbing
// cost the instance's main thread about as much CPU as the spawn itself (docs/benchmarks.md, exec mode).
import { type ChildProcess, spawn } from 'node:child_process';
import type { ProcessGroups } from './process-group.ts';

export interface RunProcessOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Written to stdin, which is then closed. */
  readonly input: Uint8Array;
  /** 0: no limit. Past it the group gets SIGTERM, then SIGKILL after killGraceMs. */
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly signal: AbortSignal | undefined;
  /** Killed with SIGKILL if the runtime exits while the process runs. */
  readonly groups: ProcessGroups;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
  /** Chunks of the child's fd 3. */
  readonly onControl: (chunk: Buffer) => void;
}

/** How the process ended; exitCode and signal are both undefined when it never started (see error). */
export interface ProcessEnd {
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Why the process could not be started (ENOENT, EACCES, E2BIG, …). */
  readonly error: NodeJS.ErrnoException | undefined;
}

export interface RunningProcess {
  readonly ended: Promise<ProcessEnd>;
  /** SIGTERM to the group, SIGKILL after the grace period; a no-op once the process has exited. */
  kill(): void;
}

export function runProcess(o: RunProcessOptions): RunningProcess {
  let child: ChildProcess;
  try {
    child = spawn(o.file, o.args, {
      cwd: o.cwd,
      env: o.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // A new process group: -pid reaches bash and everything it started.
      detached: true,
    });
  } catch (error) {
    // Node throws (rather than emitting 'error') for some exec failures, E2BIG among them.
    return { ended: Promise.resolve(notStarted(error as NodeJS.ErrnoException)), kill: () => {} };
  }
  const pid = child.pid;
  let exited = false;
  let timedOut = false;
  let aborted = false;
  let settled = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let pipesTimer: NodeJS.Timeout | undefined;
  // Set once bash has exited: ends the run without waiting any longer for its pipes to close.
  let closePipesNow: (() => void) | undefined;

  const kill = () => {
    if (pid === undefined || settled) return;
    // After bash exited, what still holds its pipes escaped the group (setsid): stop waiting for it.
    if (exited) return closePipesNow?.();
    if (graceTimer !== undefined) return;
    o.groups.signal(pid, 'SIGTERM');
    graceTimer = setTimeout(() => o.groups.signal(pid, 'SIGKILL'), o.killGraceMs);
  };
  const onAbort = () => {
    if (settled) return;
    aborted = true;
    kill();
  };
  if (pid !== undefined) {
    o.groups.track(pid);
    // Live until the run settles, also after bash exited, while its pipes are still open.
    if (o.timeoutMs > 0) {
      timeoutTimer = setTimeout(() => {
        if (settled) return;
        timedOut = true;
        kill();
      }, o.timeoutMs);
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
  }

  const stdio = child.stdio;
  stdio[1]!.on('data', o.onStdout);
  stdio[2]!.on('data', o.onStderr);
  stdio[3]!.on('data', o.onControl);
  const stdin = child.stdin!;
  // EPIPE when the script does not read its stdin: not an error of the run.
  stdin.on('error', () => {});
  stdin.end(o.input);

  const ended = new Promise<ProcessEnd>((resolve) => {
    const finish = (end: ProcessEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearTimeout(pipesTimer);
      o.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) o.groups.untrack(pid);
      resolve(end);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      // A start failure (e.g. ENOENT) comes without a pid and without 'close' for the process.
      if (pid === undefined) finish(notStarted(error));
    });
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      exited = true;
      if (pid === undefined) return;
      // When bash exits, what it left running in its group (background jobs) is killed: nothing outlives a
      // run, and the pipes those jobs hold close so that 'close' comes.
      o.groups.signal(pid, 'SIGKILL');
      // A process that left the group (`setsid sleep 1d &`) keeps the pipes open and 'close' would never
      // come: after the grace period (or on timeout/abort) the pipes are destroyed and the run settles.
      closePipesNow = () => {
        for (const stream of child.stdio.slice(1)) stream?.destroy();
        finish({
          exitCode: code ?? undefined,
          signal: signal ?? undefined,
          timedOut,
          aborted,
          error: undefined,
        });
      };
      pipesTimer = setTimeout(closePipesNow, o.killGraceMs);
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (pid === undefined) return;
      finish({
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
        timedOut,
        aborted,
        error: undefined,
      });
    });
  });
  return { ended, kill };
}

function notStarted(error: NodeJS.ErrnoException): ProcessEnd {
  return { exitCode: undefined, signal: undefined, timedOut: false, aborted: false, error };
}
