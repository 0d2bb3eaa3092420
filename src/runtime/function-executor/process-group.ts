// Signals a script's whole process group. The script is spawned as the leader of a new group (detached), so
// `-pid` reaches bash and everything it started, unless a child moved itself to another group (setsid).

/** Sends `signal` to the group led by `pid`; false when no process of the group is left. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  // process.kill throws when the group is gone, which is the usual case for the kill after a script exits; a
  // stack trace for that error cost exec mode some 30 µs a message, so none is taken.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone. EPERM: a member changed its credentials; nothing more can be done from here.
    return false;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * The groups of one executor's running scripts, killed with SIGKILL if the runtime exits while they run (a
 * detached group would otherwise outlive it). The exit hook is installed only while a group runs.
 */
export class ProcessGroups {
  readonly #running = new Set<number>();
  readonly #onExit = () => {
    for (const pid of this.#running) signalProcessGroup(pid, 'SIGKILL');
  };

  get size(): number {
    return this.#running.size;
  }

  track(pid: number): void {
    if (this.#running.size === 0) process.once('exit', this.#onExit);
    this.#running.add(pid);
  }

  untrack(pid: number): void {
    if (!this.#running.delete(pid)) return;
    if (this.#running.size === 0) process.removeListener('exit', this.#onExit);
  }

  signal(pid: number, signal: NodeJS.Signals): boolean {
    return signalProcessGroup(pid, signal);
  }
}
