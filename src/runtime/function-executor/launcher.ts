// One exec-mode launcher: a small long-lived bash (scripts/lib/pf-launcher.sh) that forks the script's bash for
// each run, so that the instance never forks itself per message. fork() copies the page tables of the process
// that forks: from a Node process of 150–250 MB that cost 3–4 ms of kernel time per message, more than the
// script (docs/benchmarks.md). A launcher is a 4 MB bash. It runs one run at a time; launcher-pool.ts keeps
// one per concurrent run. The protocol and the files are described at the top of pf-launcher.sh.
import { Buffer } from 'node:buffer';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LAUNCHER_SCRIPT_PATH } from './helper-library.ts';

export interface LauncherOptions {
  /** Absolute path of bash: runs the launcher, and is argv[0] of every run. */
  readonly bash: string;
  /** Absolute path of mkfifo. */
  readonly mkfifo: string;
  /** Absolute path of rm: a launcher removes its directory when it ends, also after the instance died. */
  readonly rm: string;
  /** The runs' working directory. */
  readonly cwd: string;
  /** Where the launcher's private directory (its runs' FIFOs) is made. */
  readonly dirRoot: string;
  /** The environment every run starts from. */
  readonly baseEnv: Readonly<Record<string, string>>;
}

export interface LaunchRequest {
  /** The command and its arguments; argv[0] is an absolute path, executed as is. */
  readonly argv: readonly string[];
  /** Added to the base environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The run's stdin. */
  readonly input: Uint8Array;
}

export interface RunStreams {
  /**
   * The part of the input that did not fit in the stdin FIFO before the run started, being written; undefined
   * when all of it did (up to 64 KiB). Destroy it when the run is over: a script need not read its stdin.
   */
  readonly stdin: net.Socket | undefined;
  readonly stdout: net.Socket;
  readonly stderr: net.Socket;
  /** The run's fd 3. */
  readonly control: net.Socket;
}

export interface RunEvents {
  /** The run's process has its streams; it leads process group `pid`. Reading starts now. */
  started(pid: number, streams: RunStreams): void;
  /** The run's process ended, with `status` as bash's `wait` gives it. Its group may still have members. */
  exited(status: number): void;
  /** The run did not start (error.code E2BIG: arguments and environment too large), or the launcher died. */
  failed(error: NodeJS.ErrnoException): void;
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
// Read-write, which Linux allows on a FIFO: opening it never blocks or fails for want of a reader, and the
// run's `<` open finds a writer at once. The runtime never reads from it.
const STDIN_FLAGS = constants.O_RDWR | constants.O_NONBLOCK;
// Linux (fs/exec.c): arguments plus environment may take a quarter of the stack limit, at most 6 MiB and at
// least 128 KiB, pointers included.
const ARG_SPACE_MAX = 6 * 1024 * 1024;
const ARG_SPACE_MIN = 128 * 1024;
const POINTER_BYTES = 8;
const DIAGNOSTIC_LINES = 10;
// The base variables a launcher is started with, and its runs inherit: none of them changes how bash itself
// behaves. The others (a passEnv such as POSIXLY_CORRECT or TMOUT would) are exported in each run only.
const INHERITED = /^(PATH|HOME|TZ|LANG|LC_[A-Z_]+|PF_[A-Z0-9_]+)$/;

interface ActiveRun {
  readonly n: number;
  readonly request: LaunchRequest;
  readonly events: RunEvents;
  fds: number[] | undefined;
  /** Bytes of the input already in the stdin FIFO. */
  written: number;
  started: boolean;
}

export class Launcher {
  readonly #dir: string;
  readonly #child: ChildProcess;
  /** Bytes of the base environment's strings (with the PWD bash adds), and their count, for the E2BIG check. */
  readonly #baseEnvBytes: number;
  readonly #baseEnvCount: number;
  /** FIFOs exist for the runs below this number. */
  #fifos = 0;
  #next = 0;
  #run: ActiveRun | undefined;
  #argSpace: number | undefined;
  #stdoutText = '';
  readonly #diagnostics: string[] = [];
  #dead: NodeJS.ErrnoException | undefined;
  readonly #closed: Promise<void>;

  constructor(options: LauncherOptions) {
    this.#dir = mkdtempSync(path.join(options.dirRoot, 'pf-bash-launcher-'));
    const inherited: Record<string, string> = {};
    const perRun: string[] = [];
    let baseEnvBytes = 0;
    for (const [name, value] of Object.entries(options.baseEnv)) {
      baseEnvBytes += Buffer.byteLength(`${name}=${value}`) + 1;
      if (INHERITED.test(name)) inherited[name] = value;
      else perRun.push(`${name}=${value}`);
    }
    // bash adds PWD to what the script's bash gets.
    this.#baseEnvCount = Object.keys(options.baseEnv).length + 1;
    this.#baseEnvBytes = baseEnvBytes + Buffer.byteLength(`PWD=${options.cwd}`) + 1;
    this.#child = spawn(options.bash, [LAUNCHER_SCRIPT_PATH, this.#dir, options.mkfifo, options.rm], {
      cwd: options.cwd,
      env: inherited,
      stdio: ['pipe', 'pipe', 'pipe'],
      // A group of its own: a Ctrl-C meant for the instance (which drains on SIGINT) must not kill it.
      detached: true,
    });
    this.#child.stdin!.on('error', () => {});
    this.#child.stdin!.write(message('B', [], perRun));
    this.#child.stdout!.setEncoding('latin1');
    this.#child.stdout!.on('data', (text: string) => this.#onStdout(text));
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (text: string) => this.#onDiagnostic(text));
    this.#closed = new Promise((resolve) => {
      this.#child.once('error', (error: NodeJS.ErrnoException) => {
        this.#die(error);
        resolve();
      });
      // 'close', not 'exit': every reply line the launcher wrote has been read by then.
      this.#child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.#die(
          launcherError(`the exec launcher exited (${signal ?? `code ${code}`})${this.#diagnosticTail()}`),
        );
        resolve();
      });
    });
    this.#idle();
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  /** Starts one run; the launcher must be alive and idle. Events come later, never from inside this call. */
  start(request: LaunchRequest, events: RunEvents): void {
    if (this.#run !== undefined) throw new Error('Launcher.start: a run is in progress');
    const dead = this.#dead;
    if (dead !== undefined) {
      process.nextTick(() => events.failed(dead));
      return;
    }
    const run: ActiveRun = { n: this.#next++, request, events, fds: undefined, written: 0, started: false };
    this.#run = run;
    this.#busy();
    if (run.n < this.#fifos) this.#send(run);
    // Otherwise sent when the launcher reports the next batch of FIFOs (#onLine).
  }

  /** Lets the launcher exit once its run (if any) is over: it reads end-of-file on its requests. */
  close(): Promise<void> {
    // Kept referenced until it has exited, so that a caller awaiting this is not cut short.
    this.#busy();
    this.#child.stdin!.end();
    return this.#closed;
  }

  #send(run: ActiveRun): void {
    const { argv, env, input } = run.request;
    const entries = Object.entries(env).map(([name, value]) => `${name}=${value}`);
    const problem = this.#argSpaceProblem(argv, entries);
    if (problem !== undefined) {
      const error: NodeJS.ErrnoException = new Error(problem);
      error.code = 'E2BIG';
      this.#failUnsent(run, error);
      return;
    }
    try {
      // Opened before the request goes: the run's process then opens its ends without blocking.
      run.fds = [openSync(this.#file('i', run.n), STDIN_FLAGS)];
      for (const stream of ['o', 'e', 'c']) run.fds.push(openSync(this.#file(stream, run.n), READ_FLAGS));
      // The input goes into the FIFO now, while no reader waits on it: writing once the script reads would
      // wake it for each write. What does not fit in the FIFO (64 KiB) follows once the run has started.
      run.written = writeUpTo(run.fds[0]!, input);
    } catch (error) {
      this.#failUnsent(run, error as NodeJS.ErrnoException);
      return;
    }
    this.#child.stdin!.write(message('R', [run.n, entries.length], [...entries, ...argv]));
  }

  #onStdout(text: string): void {
    this.#stdoutText += text;
    let newline = this.#stdoutText.indexOf('\n');
    while (newline !== -1) {
      const line = this.#stdoutText.slice(0, newline);
      this.#stdoutText = this.#stdoutText.slice(newline + 1);
      this.#onLine(line);
      newline = this.#stdoutText.indexOf('\n');
    }
  }

  #onLine(line: string): void {
    const [kind, first, second] = line.split(' ');
    const run = this.#run;
    switch (kind) {
      case 'L':
        this.#argSpace = argSpace(first === 'unlimited' ? Number.POSITIVE_INFINITY : Number(first) * 1024);
        return;
      case 'F':
        this.#fifos = Number(first);
        if (run !== undefined && run.fds === undefined && run.n < this.#fifos) this.#send(run);
        return;
      case 'S':
        if (run === undefined || Number(first) !== run.n || run.fds === undefined) break;
        run.started = true;
        this.#started(run, Number(second));
        return;
      case 'E':
        if (run === undefined || Number(first) !== run.n) break;
        this.#run = undefined;
        this.#idle();
        if (run.started) {
          run.events.exited(Number(second));
        } else {
          this.#discard(run);
          run.events.failed(
            launcherError(
              `the exec launcher could not start the run (status ${second})${this.#diagnosticTail()}`,
            ),
          );
        }
        return;
    }
    this.#onDiagnostic(`pf-bash: unexpected line from the exec launcher: ${JSON.stringify(line)}\n`);
    this.#child.kill('SIGKILL');
  }

  #started(run: ActiveRun, pid: number): void {
    const [stdinFd, ...outputFds] = run.fds!;
    const { input } = run.request;
    let stdin: net.Socket | undefined;
    if (run.written === input.byteLength) {
      // The run has its read end open now, so closing ours keeps the bytes and gives it end-of-file.
      closeSync(stdinFd!);
    } else {
      stdin = new net.Socket({ fd: stdinFd!, readable: false, writable: true });
      stdin.on('error', () => {});
      stdin.end(input.subarray(run.written));
    }
    const [stdout, stderr, control] = outputFds.map(
      (fd) => new net.Socket({ fd, readable: true, writable: false }),
    ) as [net.Socket, net.Socket, net.Socket];
    run.fds = [];
    this.#unlinkFiles(run.n);
    run.events.started(pid, { stdin, stdout, stderr, control });
  }

  #die(error: NodeJS.ErrnoException): void {
    if (this.#dead !== undefined) return;
    this.#dead = error;
    const run = this.#run;
    this.#run = undefined;
    if (run !== undefined) {
      if (!run.started) this.#discard(run);
      run.events.failed(error);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Fails a run whose request was never sent: the launcher is idle again and the run's FIFOs are removed. */
  #failUnsent(run: ActiveRun, error: NodeJS.ErrnoException): void {
    this.#run = undefined;
    this.#idle();
    this.#discard(run);
    process.nextTick(() => run.events.failed(error));
  }

  /** Closes what a run that never started had opened, and removes its files. */
  #discard(run: ActiveRun): void {
    for (const fd of run.fds ?? []) closeSync(fd);
    run.fds = [];
    this.#unlinkFiles(run.n);
  }

  #unlinkFiles(n: number): void {
    for (const kind of ['i', 'o', 'e', 'c']) {
      try {
        unlinkSync(this.#file(kind, n));
      } catch {
        // Already gone; the directory goes with the launcher either way.
      }
    }
  }

  #file(kind: string, n: number): string {
    return path.join(this.#dir, `${kind}.${n}`);
  }

  /** Why exec would refuse this command with E2BIG; checked here because bash could only print it. */
  #argSpaceProblem(argv: readonly string[], entries: readonly string[]): string | undefined {
    if (this.#argSpace === undefined) return undefined;
    // exec copies the file name as well.
    let bytes = this.#baseEnvBytes + Buffer.byteLength(argv[0] ?? '') + 1;
    for (const text of [...argv, ...entries]) bytes += Buffer.byteLength(text) + 1;
    bytes += (argv.length + entries.length + this.#baseEnvCount) * POINTER_BYTES;
    if (bytes <= this.#argSpace) return undefined;
    return `the script's arguments and environment take ${bytes} bytes; exec allows ${this.#argSpace} here (a quarter of the stack limit, E2BIG)`;
  }

  #onDiagnostic(text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      this.#diagnostics.push(line);
      if (this.#diagnostics.length > DIAGNOSTIC_LINES) this.#diagnostics.shift();
    }
  }

  #diagnosticTail(): string {
    return this.#diagnostics.length === 0 ? '' : `; its last diagnostics: ${this.#diagnostics.join(' | ')}`;
  }

  // An idle launcher does not keep the instance's event loop alive; a busy one does, until its run ends.
  #idle(): void {
    this.#child.unref();
    (this.#child.stdout as net.Socket).unref();
    (this.#child.stderr as net.Socket).unref();
    (this.#child.stdin as net.Socket).unref();
  }

  #busy(): void {
    this.#child.ref();
    (this.#child.stdout as net.Socket).ref();
  }
}

/** Writes what fits into a non-blocking fd without waiting; returns the bytes written. */
function writeUpTo(fd: number, bytes: Uint8Array): number {
  let written = 0;
  while (written < bytes.byteLength) {
    try {
      written += writeSync(fd, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
  }
  return written;
}

/** The bytes exec allows for arguments plus environment, pointers included, under a stack limit (fs/exec.c). */
function argSpace(stackLimitBytes: number): number {
  return Math.max(Math.min(ARG_SPACE_MAX, Math.floor(stackLimitBytes / 4)), ARG_SPACE_MIN);
}

/** "<size>\n<kind> <number>... <length>...\n" and the fields' bytes back to back (pf-launcher.sh, fd 0). */
function message(kind: string, numbers: readonly number[], fields: readonly string[]): Buffer {
  const bytes = fields.map((field) => Buffer.from(field, 'utf8'));
  const header = Buffer.from(
    `${[kind, ...numbers, ...bytes.map((field) => field.byteLength)].join(' ')}\n`,
    'latin1',
  );
  const size = bytes.reduce((sum, field) => sum + field.byteLength, header.byteLength);
  return Buffer.concat([Buffer.from(`${String(size).padStart(9, '0')}\n`, 'latin1'), header, ...bytes]);
}

function launcherError(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = 'ELAUNCHER';
  return error;
}
