// The exec-mode launchers of one executor: one per run in progress, started when first needed and kept for the
// next runs (the caller's pool bounds how many run at once, so this holds at most that many). A launcher that
// died is dropped; the next run starts a new one.
import { Launcher, type LauncherOptions, type LaunchRequest, type RunEvents } from './launcher.ts';

export class LauncherPool {
  readonly #options: LauncherOptions;
  readonly #idle: Launcher[] = [];
  readonly #all = new Set<Launcher>();
  #closed = false;

  constructor(options: LauncherOptions) {
    this.#options = options;
  }

  /** Starts a run on an idle launcher (a new one when none is idle). Events come later, as Launcher.start's. */
  run(request: LaunchRequest, events: RunEvents): void {
    if (this.#closed) {
      const error: NodeJS.ErrnoException = new Error('the executor is closed');
      error.code = 'ECLOSED';
      process.nextTick(() => events.failed(error));
      return;
    }
    let launcher = this.#idle.pop();
    while (launcher !== undefined && !launcher.alive) {
      this.#all.delete(launcher);
      launcher = this.#idle.pop();
    }
    if (launcher === undefined) {
      try {
        launcher = new Launcher(this.#options);
      } catch (error) {
        process.nextTick(() => events.failed(error as NodeJS.ErrnoException));
        return;
      }
      this.#all.add(launcher);
    }
    const used = launcher;
    used.start(request, {
      started: (pid, streams) => events.started(pid, streams),
      exited: (status) => {
        this.#release(used);
        events.exited(status);
      },
      failed: (error) => {
        this.#release(used);
        events.failed(error);
      },
    });
  }

  /** Ends the idle launchers now and the busy ones when their runs end. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#all].map((launcher) => launcher.close()));
    this.#all.clear();
    this.#idle.length = 0;
  }

  #release(launcher: Launcher): void {
    if (!launcher.alive) {
      this.#all.delete(launcher);
      return;
    }
    if (this.#closed) {
      void launcher.close();
      return;
    }
    this.#idle.push(launcher);
  }
}
