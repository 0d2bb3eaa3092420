// A Pulsar standalone of a test file's own (scripts/pulsar-standalone.sh with its own ports, data and run
// dirs), for suites that must not touch the shared broker: TLS/token auth, and kill/restart. The suite starts it
// in `before` and stops it in `after`; it is also stopped when the process exits or is interrupted, so no
// broker outlives its suite.
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestBrokerPorts {
  broker: number;
  http: number;
  bookie: number;
  /** Needed when `tls`. */
  brokerTls?: number;
  https?: number;
}

export interface TestBrokerOptions {
  /** Names the data and run dirs: $PF_CACHE/pulsar-<name>-data and -run. */
  name: string;
  ports: TestBrokerPorts;
  tls?: boolean;
  auth?: boolean;
  /** How often the broker challenges connections whose token expired (PULSAR_AUTH_REFRESH_SECONDS). */
  authRefreshSeconds?: number;
}

/** What `pulsar-standalone.sh env` prints; the TLS and token entries only when switched on. */
export interface TestBrokerEnv {
  PULSAR_SERVICE_URL: string;
  PULSAR_ADMIN_URL: string;
  PULSAR_TLS_SERVICE_URL?: string;
  PULSAR_TLS_ADMIN_URL?: string;
  PULSAR_TLS_CA?: string;
  PULSAR_TLS_OTHER_CA?: string;
  PULSAR_AUTH_SUPERUSER_TOKEN_FILE?: string;
  PULSAR_AUTH_USER_TOKEN_FILE?: string;
}

const root = process.env.PF_ROOT ?? process.cwd();
const cache = process.env.PF_CACHE ?? join(root, '.cache');
const script = join(root, 'scripts/pulsar-standalone.sh');

/** Every broker a suite of this process started, stopped on exit whatever happened. */
const running = new Set<TestBroker>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous: nothing asynchronous runs once 'exit' fires. A stop takes a few seconds at most.
  process.on('exit', () => {
    for (const broker of running) broker.stopSync();
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => process.exit(code));
  }
}

export class TestBroker {
  readonly name: string;
  readonly #env: NodeJS.ProcessEnv;
  #vars: TestBrokerEnv | undefined;

  constructor(options: TestBrokerOptions) {
    this.name = options.name;
    const { ports } = options;
    if (options.tls && (ports.brokerTls === undefined || ports.https === undefined)) {
      throw new Error('a TLS test broker needs ports.brokerTls and ports.https');
    }
    // Bookie HTTP and stats endpoints are off; their ports only need to differ from the shared broker's.
    this.#env = {
      ...process.env,
      PULSAR_BROKER_PORT: String(ports.broker),
      PULSAR_HTTP_PORT: String(ports.http),
      PULSAR_BOOKIE_PORT: String(ports.bookie),
      PULSAR_BOOKIE_HTTP_PORT: String(ports.bookie + 1000),
      PULSAR_BOOKIE_STATS_PORT: String(ports.bookie + 1001),
      PULSAR_BROKER_TLS_PORT: String(ports.brokerTls ?? ''),
      PULSAR_HTTPS_PORT: String(ports.https ?? ''),
      PULSAR_TLS: options.tls ? '1' : '0',
      PULSAR_AUTH_TOKEN: options.auth ? '1' : '0',
      PULSAR_AUTH_REFRESH_SECONDS: String(options.authRefreshSeconds ?? 60),
      PULSAR_DATA_DIR: join(cache, `pulsar-${options.name}-data`),
      PULSAR_RUN_DIR: join(cache, `pulsar-${options.name}-run`),
      PULSAR_MEM: process.env.PF_TEST_BROKER_MEM ?? '-Xms128m -Xmx512m -XX:MaxDirectMemorySize=512m',
    };
  }

  /** The URLs and files of this broker (after start). */
  get env(): TestBrokerEnv {
    if (this.#vars === undefined) throw new Error(`test broker ${this.name} was not started`);
    return this.#vars;
  }

  /** Starts the broker (or finds it running) and waits until it is healthy. */
  async start(): Promise<void> {
    installExitHook();
    running.add(this);
    await this.#script('start');
    const { stdout } = await this.#script('env');
    const vars: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
    }
    this.#vars = vars as unknown as TestBrokerEnv;
  }

  async stop(): Promise<void> {
    await this.#script('stop');
    running.delete(this);
  }

  /** SIGKILL, as a crash: no shutdown hook runs. */
  async kill9(): Promise<void> {
    await this.#script('kill9');
  }

  /** A token for `subject`, signed with this broker's key; `expiresInSeconds` < 0 gives an expired one. */
  async token(subject: string, expiresInSeconds?: number): Promise<string> {
    const args = expiresInSeconds === undefined ? [subject] : [subject, String(expiresInSeconds)];
    const { stdout } = await this.#script('token', ...args);
    return stdout.trim();
  }

  /** The admin REST API (plain listener), as the superuser when token auth is on. */
  async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const tokenFile = this.env.PULSAR_AUTH_SUPERUSER_TOKEN_FILE;
    if (tokenFile !== undefined) {
      headers.authorization = `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}`;
    }
    const response = await fetch(`${this.env.PULSAR_ADMIN_URL}/admin/v2/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  /** For the exit hook only. */
  stopSync(): void {
    spawnSync('bash', [script, 'stop'], { env: this.#env, stdio: 'ignore', timeout: 60_000 });
    running.delete(this);
  }

  async #script(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    try {
      return await run('bash', [script, ...args], { env: this.#env, timeout: 300_000, maxBuffer: 1 << 20 });
    } catch (error) {
      const e = error as Error & { stderr?: string };
      throw new Error(`pulsar-standalone.sh ${args[0]} (${this.name}) failed: ${e.stderr ?? e.message}`, {
        cause: error,
      });
    }
  }
}

/** `persistent://t/ns/x` → `persistent/t/ns/x` for admin paths. */
export function topicPath(topic: string): string {
  const match = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(topic);
  if (!match) throw new Error(`expected a full topic name, got ${topic}`);
  const [, domain, tenant, namespace, name] = match;
  return `${domain}/${tenant}/${namespace}/${encodeURIComponent(name!)}`;
}
