// One run of the script: handed to a launcher (launcher.ts), which forks it as the leader of a new process
// group with stdin, stdout, stderr and fd 3 on FIFOs of its own. Here: the timeout, the kill of the whole group
// (SIGTERM, SIGKILL after the grace period), the AbortSignal, and settling once the process has exited and its
// streams have closed. Not execa: exec mode runs hundreds of these a second, and execa's per-call option
// handling and stream plumbing cost about as much CPU as a spawn (docs/benchmarks.md).

import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { LauncherPool } from './launcher-pool.ts';
import type { ProcessGroups } from './process-group.ts';

export interface RunProcessOptions {
  readonly launchers: LauncherPool;
  /** The command and its arguments; argv[0] is bash's absolute path. */
  readonly argv: readonly string[];
  /** The message's variables, added to the launchers' base environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The run's stdin. */
  readonly input: Uint8Array;
  /** 0: no limit. Past it the group gets SIGTERM, then SIGKILL after killGraceMs. */
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly signal: AbortSignal | undefined;
  /** Killed with SIGKILL if the runtime exits while the process runs. */
  readonly groups: ProcessGroups;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
  /** Chunks of the run's fd 3. */
  readonly onControl: (chunk: Buffer) => void;
}

/** How the process ended; exitCode and signal are both undefined when it never started (see error). */
export interface ProcessEnd {
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Why the process did not start or could not be followed (E2BIG, a launcher that died, …). */
  readonly error: NodeJS.ErrnoException | undefined;
  /**
   * The run settled while its streams were still open: something that escaped the group holds them, and may
   * still write to what the run used (its TMPDIR).
   */
  readonly abandoned: boolean;
}

export interface RunningProcess {
  readonly ended: Promise<ProcessEnd>;
  /** SIGTERM to the group, SIGKILL after the grace period; a no-op once the process has exited. */
  kill(): void;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/**
 * A wait status as bash gives it: 128 + n means signal n, as in any shell (a script that itself exits with
 * such a code reads as killed by that signal; docs/script-contract.md).
 */
function decodeWaitStatus(status: number): {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
} {
  const signal = status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined;
  return signal === undefined ? { exitCode: status, signal: undefined } : { exitCode: undefined, signal };
}

export function runProcess(o: RunProcessOptions): RunningProcess {
  let pid: number | undefined;
  let streams: Socket[] = [];
  let openStreams = 0;
  let status: number | undefined;
  let killRequested = false;
  let timedOut = false;
  let aborted = false;
  let settled = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let streamsTimer: NodeJS.Timeout | undefined;
  let resolveEnded!: (end: ProcessEnd) => void;
  const ended = new Promise<ProcessEnd>((resolve) => {
    resolveEnded = resolve;
  });

  const finish = (error: NodeJS.ErrnoException | undefined) => {
    if (settled) return;
    settled = true;
    clearTimeout(timeoutTimer);
    clearTimeout(graceTimer);
    clearTimeout(streamsTimer);
    o.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) o.groups.untrack(pid);
    for (const stream of streams) stream.destroy();
    const decoded =
      status === undefined ? { exitCode: undefined, signal: undefined } : decodeWaitStatus(status);
    resolveEnded({ ...decoded, timedOut, aborted, error, abandoned: openStreams > 0 });
  };
  const signalGroup = () => {
    if (pid === undefined || graceTimer !== undefined) return;
    const group = pid;
    o.groups.signal(group, 'SIGTERM');
    graceTimer = setTimeout(() => o.groups.signal(group, 'SIGKILL'), o.killGraceMs);
  };
  const kill = () => {
    if (settled) return;
    // After the process exited, what still holds its streams escaped the group (setsid): stop waiting for it.
    if (status !== undefined) return finish(undefined);
    killRequested = true;
    signalGroup();
  };
  const onAbort = () => {
    if (settled) return;
    aborted = true;
    kill();
  };
  if (o.timeoutMs > 0) {
    timeoutTimer = setTimeout(() => {
      if (settled) return;
      timedOut = true;
      kill();
    }, o.timeoutMs);
  }
  o.signal?.addEventListener('abort', onAbort, { once: true });

  o.launchers.run(
    { argv: o.argv, env: o.env, input: o.input },
    {
      started: (groupPid, { stdin, stdout, stderr, control }) => {
        pid = groupPid;
        o.groups.track(groupPid);
        // A script that does not read its stdin leaves the write pending: stdin is destroyed with the others
        // when the run settles, but only the outputs' closing decides when that is.
        streams = stdin === undefined ? [stdout, stderr, control] : [stdout, stderr, control, stdin];
        openStreams = 3;
        stdout.on('data', o.onStdout);
        stderr.on('data', o.onStderr);
        control.on('data', o.onControl);
        for (const stream of [stdout, stderr, control]) {
          // A read error ends the stream like end-of-file does; the exit status still decides the run.
          stream.on('error', () => {});
          // 'end' (every byte has been handed over) comes a turn of the event loop before 'close'; a stream
          // that fails closes without it.
          let done = false;
          const onDone = () => {
            if (done) return;
            done = true;
            openStreams--;
            if (openStreams === 0 && status !== undefined) finish(undefined);
          };
          stream.once('end', onDone);
          stream.once('close', onDone);
        }
        if (killRequested) signalGroup();
      },
      exited: (exitStatus) => {
        status = exitStatus;
        // What the script left running in its group (background jobs) ends with it, and the streams those
        // jobs hold close, so that they can reach end-of-file.
        if (pid !== undefined) o.groups.signal(pid, 'SIGKILL');
        if (settled) return;
        if (openStreams === 0) return finish(undefined);
        // A process that left the group (`setsid sleep 1d &`) keeps the streams open and they would never
        // close: after the grace period (or on timeout/abort) they are destroyed and the run settles.
        streamsTimer = setTimeout(() => finish(undefined), o.killGraceMs);
      },
      failed: (error) => {
        // The launcher died under a started run: nothing will report its end, so its group goes now.
        if (pid !== undefined) o.groups.signal(pid, 'SIGKILL');
        finish(error);
      },
    },
  );
  return { ended, kill };
}
