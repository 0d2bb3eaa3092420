// A pf-bash instance as a child process (`node src/cli/main.ts run`), for integration tests: spawn with an
// environment, wait until /readyz says ready, read its JSON log lines, stop it with a signal or kill it.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testEnv, waitFor } from './env.ts';

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface InstanceSpawnOptions {
  /** PF_* settings; PF_SERVICE_URL and PF_HTTP_PORT=0 are filled in unless given. */
  readonly env: Record<string, string>;
  /** Extra arguments after `run`. */
  readonly args?: readonly string[];
  /** Echo the instance's output to this process's stderr (debugging). Default: PF_TEST_ECHO=1. */
  readonly echo?: boolean;
}

export class InstanceProcess {
  readonly child: ChildProcess;
  /** Parsed stdout lines (pino JSON); lines that are not JSON are kept as `{ level: 0, msg: line }`. */
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;

  private constructor(child: ChildProcess, echo: boolean) {
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (echo) process.stderr.write(`[instance] ${line}\n`);
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ level: 0, msg: line });
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (echo) process.stderr.write(`[instance stderr] ${line}\n`);
      this.stderr.push(line);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** Starts `pf-bash run`; does not wait for it (see waitReady). */
  static spawn(options: InstanceSpawnOptions): InstanceProcess {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PF_SERVICE_URL: testEnv.serviceUrl,
      PF_HTTP_PORT: '0',
      ...options.env,
    };
    const main = join(testEnv.root, 'src/cli/main.ts');
    const child = spawn(
      process.execPath,
      [main, 'run', '--http-host', '127.0.0.1', ...(options.args ?? [])],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new InstanceProcess(child, options.echo ?? process.env.PF_TEST_ECHO === '1');
  }

  /** Spawns and waits until ready. */
  static async start(options: InstanceSpawnOptions, timeoutMs = 60_000): Promise<InstanceProcess> {
    const instance = InstanceProcess.spawn(options);
    try {
      await instance.waitReady(timeoutMs);
    } catch (error) {
      instance.kill();
      throw new Error(`${(error as Error).message}\n${instance.describe()}`);
    }
    return instance;
  }

  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** The HTTP port, from the log line the server writes once listening. */
  get port(): number | undefined {
    const line = this.logs.find((l) => l.msg === 'observability HTTP server listening');
    return typeof line?.port === 'number' ? line.port : undefined;
  }

  get url(): string {
    const port = this.port;
    if (port === undefined) throw new Error('the instance has not opened its HTTP port yet');
    return `http://127.0.0.1:${port}`;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'the instance to be ready (/readyz 200)',
      async () => {
        if (this.#exit !== undefined) throw new Error(`the instance exited: ${JSON.stringify(this.#exit)}`);
        if (this.port === undefined) return false;
        return (await this.get('/readyz')).status === 200;
      },
      { timeoutMs },
    );
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    try {
      const response = await fetch(`${this.url}${path}`);
      return { status: response.status, body: await response.text() };
    } catch {
      return { status: 0, body: '' };
    }
  }

  /** The first log line matching, waiting for it; a timeout's error carries the log's tail. */
  async waitForLog(what: string, test: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    try {
      return await waitFor(what, () => this.logs.find(test), { timeoutMs });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.describe()}`);
    }
  }

  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 90_000): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit;
    this.child.kill(signal);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no exit ${timeoutMs} ms after ${signal}\n${this.describe()}`)),
        timeoutMs,
      ).unref(),
    );
    return Promise.race([this.exited, timeout]);
  }

  /** SIGKILL, no waiting for anything but the exit. */
  kill(): Promise<Exit> {
    if (this.#exit === undefined) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The last log lines and stderr, for failure messages. */
  describe(lines = 40): string {
    const tail = this.logs.slice(-lines).map((l) => JSON.stringify(l));
    return ['--- instance log (tail) ---', ...tail, '--- stderr ---', ...this.stderr.slice(-lines)].join(
      '\n',
    );
  }
}
