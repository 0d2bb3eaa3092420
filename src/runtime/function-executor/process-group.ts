// Signals a script's whole process group. The script is spawned as the leader of a new group (detached), so
// `-pid` reaches bash and everything it started, unless a child moved itself to another group (setsid).

/** Sends `signal` to the group led by `pid`; false when no process of the group is left. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    return process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone. EPERM: a member changed its credentials; nothing more can be done from here.
    return false;
  }
}
