// Function images end to end, with the real Docker Engine and the real broker: `pf-bash build` makes the reverse
// image on the local base (PF_BASE_IMAGE); containers run it as users do (`docker run --network host --read-only
// --tmpfs /tmp`, configured by environment); Apache's Python client produces and checks the output byte for byte.
// Also: `docker stop` mid-stream loses nothing, the container is non-root and read-only, the interview's argv
// script runs with PF_SCRIPT_ARGV_PAYLOAD baked in, and `pf-bash trigger` / `status` / `stats` work against a
// container and a local `pf-bash run`. Every container and image made here is removed, also on failure.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FunctionStats, FunctionStatus } from '../../../src/runtime/metrics/index.ts';
import { DOCKER_TIMEOUT_MS, docker, freshRuntimeRoot } from '../../support/docker.ts';
import { testEnv, uniqueTopic, waitFor } from '../../support/env.ts';
import { InstanceProcess } from '../../support/instance.ts';
import { backlog, consume, produce, produceMany } from '../runtime/helpers.ts';

const execFileAsync = promisify(execFile);
const RUN_ID = randomBytes(4).toString('hex');
/** `docker stop -t`: above the drain timeout (30 s) plus the kill grace (5 s), as docs/operations.md says. */
const STOP_GRACE_S = 45;

interface CliResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `pf-bash <args>` from the checkout's sources, with `input` on stdin (payloads never go on a command line). */
function cli(
  args: readonly string[],
  input?: Buffer | string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const main = join(testEnv.root, 'src/cli/main.ts');
  const child = spawn(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pf-bash ${args[0]} did not end within ${DOCKER_TIMEOUT_MS} ms\n${stderr}`));
    }, DOCKER_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    });
  });
}

/** A TCP port nothing listens on right now, for a container's PF_HTTP_PORT (the host's network is shared). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

const containers: string[] = [];
const images: string[] = [];

interface Container {
  readonly name: string;
  readonly url: string;
}

/** `docker run -d` the way docs/operations.md runs a function; waits until /readyz answers 200. */
async function runContainer(image: string, env: Record<string, string>): Promise<Container> {
  const port = await freePort();
  const name = `pf-e2e-${RUN_ID}-${containers.length}`;
  containers.push(name);
  const settings = {
    PF_SERVICE_URL: testEnv.serviceUrl,
    PF_SUBSCRIPTION_POSITION: 'Earliest',
    PF_HTTP_HOST: '127.0.0.1',
    PF_HTTP_PORT: String(port),
    ...env,
  };
  const envArgs = Object.entries(settings).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await docker(
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '--read-only',
    '--tmpfs',
    '/tmp',
    ...envArgs,
    image,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `${name} to be ready`,
    async () => {
      const state = JSON.parse(await docker('inspect', '--format', '{{json .State}}', name));
      if (state.Running !== true) {
        throw new Error(`${name} exited (${state.ExitCode}):\n${await logs(name)}`);
      }
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 120_000, intervalMs: 50 },
  );
  return { name, url };
}

async function logs(name: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync('docker', ['logs', '--tail', '60', name]).catch(
    (error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
  return `${stdout}${stderr}`;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  return (await response.json()) as T;
}

/** Builds with `pf-bash build --json`; the image is removed after the tests. */
async function buildImage(root: string, script: string, tag: string, extra: string[] = []) {
  images.push(tag);
  const args = [
    'build',
    join(testEnv.root, script),
    '--runtime-root',
    root,
    '--base-image',
    testEnv.baseImage,
  ];
  const built = await cli([...args, '--tag', tag, '--json', ...extra]);
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stderr, /\nbuilt \S+ \(\w{12}\) in [\d.]+ s: [\d.]+ MB, [\d.]+ MB over /);
  return JSON.parse(built.stdout.toString()) as {
    tag: string;
    id: string;
    sizeBytes: number;
    overBaseBytes: number;
  };
}

describe('function images end to end', () => {
  let root: string;
  const reverseTag = `pf-bash-test/reverse-e2e:${RUN_ID}`;
  const argvTag = `pf-bash-test/reverse-argv-e2e:${RUN_ID}`;
  const input = uniqueTopic('e2e-in');
  const output = uniqueTopic('e2e-out');
  let reverse: Container;
  let local: InstanceProcess | undefined;

  before(async () => {
    root = await freshRuntimeRoot();
    await buildImage(root, 'scripts/examples/reverse.sh', reverseTag);
    reverse = await runContainer(reverseTag, { PF_INPUTS: input, PF_OUTPUT: output });
  });

  after(async () => {
    await local?.kill();
    for (const name of containers) await docker('rm', '--force', name).catch(() => undefined);
    for (const tag of images) await docker('image', 'rm', '--force', tag).catch(() => undefined);
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('reverses what Apache’s client sends, byte for byte, keeping keys and properties', async () => {
    const cases = [
      ['hello', 'olleh'],
      ['añb', 'bña'],
      ['ab\ncd', 'dc\nba'],
      ['hello\n', 'olleh'],
      ['Grüße 🙂!', '!🙂 eßürG'],
    ] as const;
    await produce(
      input,
      cases.map(([payload], i) => ({ payload, key: `case-${i}`, properties: { case: String(i) } })),
    );
    const received = await consume(output, { count: cases.length, timeoutMs: 60_000 });
    assert.equal(received.length, cases.length);
    const byKey = new Map(received.map((m) => [m.key, m]));
    cases.forEach(([, expected], i) => {
      const message = byKey.get(`case-${i}`);
      assert.ok(message !== undefined, `no output for case-${i}`);
      assert.ok(
        message.payload.equals(Buffer.from(expected)),
        `case-${i}: ${JSON.stringify(message.payload.toString())}`,
      );
      assert.equal(message.properties.case, String(i));
    });
  });

  it('runs as uid 10001 on a read-only root filesystem', async () => {
    const inspected = JSON.parse(await docker('inspect', '--format', '{{json .}}', reverse.name));
    assert.equal(inspected.Config.User, '10001:10001');
    assert.equal(inspected.HostConfig.ReadonlyRootfs, true);
    // Every process in the container, PID 1 (tini) and the runtime included.
    const uids = await docker('exec', reverse.name, 'sh', '-c', 'grep -h "^Uid:" /proc/[0-9]*/status');
    const lines = uids.trim().split('\n');
    assert.ok(lines.length >= 3, uids);
    for (const line of lines) assert.match(line, /^Uid:\s+10001\s+10001\s+10001\s+10001$/);
    const probe =
      'for p in /fn/probe /opt/pf-bash/probe /home/pfbash/probe /tmp/probe; do touch "$p" 2>/dev/null && echo "$p"; done; true';
    assert.equal(await docker('exec', reverse.name, 'sh', '-c', probe), '/tmp/probe\n');
  });

  it('pf-bash trigger returns the output of the container and of a local pf-bash run', async () => {
    const triggered = await cli(
      ['trigger', '--input', input, '--output', output, '--key', 'trig'],
      'trigger me\n',
      {
        PF_SERVICE_URL: testEnv.serviceUrl,
      },
    );
    assert.equal(triggered.code, 0, triggered.stderr);
    assert.equal(triggered.stdout.toString(), 'em reggirt');

    const localIn = uniqueTopic('e2e-local-in');
    const localOut = uniqueTopic('e2e-local-out');
    local = await InstanceProcess.start({
      env: {
        PF_SCRIPT: join(testEnv.root, 'scripts/examples/reverse.sh'),
        PF_INPUTS: localIn,
        PF_OUTPUT: localOut,
        PF_INSTANCE_ID: '1',
        PF_NUM_INSTANCES: '2',
      },
    });
    // The function's topics from its settings, as `pf-bash run` reads them; the answer printed as JSON.
    const fromSettings = await cli(['trigger', '--format', 'json'], Buffer.from([0xff, 0x61, 0x62]), {
      PF_SERVICE_URL: testEnv.serviceUrl,
      PF_INPUTS: localIn,
      PF_OUTPUT: localOut,
    });
    assert.equal(fromSettings.code, 0, fromSettings.stderr);
    const answer = JSON.parse(fromSettings.stdout.toString());
    // A byte that is no UTF-8 character counts as one: reversed, it ends the output.
    assert.equal(answer.payloadBase64, Buffer.from([0x62, 0x61, 0xff]).toString('base64'));
    assert.equal(answer.payload, undefined);
    assert.equal(answer.topic, localOut);
    assert.match(answer.properties['pf-bash.trigger-id'], /^[0-9a-f-]{36}$/);

    const silent = await cli(
      ['trigger', '--input', localIn, '--output', localOut, '--timeout-ms', '3000'],
      '',
      {
        PF_SERVICE_URL: testEnv.serviceUrl,
      },
    );
    assert.equal(silent.code, 3, 'an empty payload has no output: the trigger times out');
    assert.match(silent.stderr, /no output on .* within 3000 ms/);
  });

  it('pf-bash produce and consume carry payloads byte for byte, to and from Apache’s client', async () => {
    const topic = uniqueTopic('e2e-cli-bytes');
    const payload = Buffer.from([0x00, 0xff, 0x0a, 0x61, 0xc3, 0xa9, 0x0d, 0x0a]);
    const env = { PF_SERVICE_URL: testEnv.serviceUrl };
    const produced = await cli(
      ['produce', '--topic', topic, '--key', 'bin', '--property', 'p=1'],
      payload,
      env,
    );
    assert.equal(produced.code, 0, produced.stderr);
    assert.match(produced.stdout.toString(), /^\d+:\d+:-1:-?\d+\n$/);
    const [seen] = await consume(topic, { count: 1 });
    assert.ok(seen?.payload.equals(payload), 'Apache’s client reads the bytes sent');
    assert.equal(seen?.key, 'bin');
    assert.deepEqual(seen?.properties, { p: '1' });
    const raw = await cli(
      ['consume', '--topic', topic, '--position', 'earliest', '--output', 'raw'],
      '',
      env,
    );
    assert.equal(raw.code, 0, raw.stderr);
    assert.ok(raw.stdout.equals(payload), `raw output ${raw.stdout.toString('hex')}`);
    const json = await cli(['consume', '--topic', topic, '--position', 'earliest'], '', env);
    const line = JSON.parse(json.stdout.toString());
    assert.equal(line.payloadBase64, payload.toString('base64'));
    assert.equal(line.payload, undefined, 'not UTF-8: no text form');
    const none = await cli(['consume', '--topic', topic, '--timeout-ms', '1000'], '', env);
    assert.equal(none.code, 3, 'a new subscription at the latest position sees nothing');
    assert.match(none.stderr, /received 0 of 1 messages/);
  });

  it('pf-bash status and stats show counters that match what was sent', async () => {
    // The container got 5 messages and 1 trigger; the local instance 2 triggers.
    const counted = (document: FunctionStatus, id: number) =>
      document.instances.find((i) => i.instanceId === id)?.status;
    await waitFor('the counters to settle', async () => {
      const status = await getJson<FunctionStatus>(`${reverse.url}/status`);
      return counted(status, 0)?.numSuccessfullyProcessed === 6;
    });
    const one = await cli(['status', '--url', reverse.url]);
    assert.equal(one.code, 0, one.stderr);
    const status = JSON.parse(one.stdout.toString()) as FunctionStatus;
    assert.equal(status.numInstances, 1);
    assert.equal(status.numRunning, 1);
    assert.equal(counted(status, 0)?.numReceived, 6);
    assert.equal(counted(status, 0)?.numSuccessfullyProcessed, 6);
    assert.equal(counted(status, 0)?.numUserExceptions, 0);
    assert.equal(counted(status, 0)?.numSystemExceptions, 0);

    const both = await cli(['status', '--url', reverse.url, '--url', local?.url ?? '', '--instances', '2']);
    assert.equal(both.code, 0, both.stderr);
    const merged = JSON.parse(both.stdout.toString()) as FunctionStatus;
    assert.equal(merged.numInstances, 2);
    assert.equal(merged.numRunning, 2);
    assert.deepEqual(
      merged.instances.map((i) => [i.instanceId, i.status.numReceived]),
      [
        [0, 6],
        [1, 2],
      ],
    );

    const stats = await cli(['stats', '--url', reverse.url, '--url', local?.url ?? '']);
    assert.equal(stats.code, 0, stats.stderr);
    const combined = JSON.parse(stats.stdout.toString()) as FunctionStats;
    assert.equal(combined.receivedTotal, 8);
    // The empty payload too: a script that prints nothing succeeded, it just has no output.
    assert.equal(combined.processedSuccessfullyTotal, 8);
  });

  it('docker stop mid-stream: exits 0 within the grace period, and a second container finishes the rest', async (t) => {
    const count = 2_000;
    const streamIn = uniqueTopic('e2e-stop-in');
    const streamOut = uniqueTopic('e2e-stop-out');
    // One script at a time keeps the stream going long enough to stop it in the middle.
    const env = { PF_INPUTS: streamIn, PF_OUTPUT: streamOut, PF_CONCURRENCY: '1', PF_MAX_PENDING: '8' };
    const first = await runContainer(reverseTag, env);
    await produceMany(streamIn, count, ['--key-template', 'k-{i}']);
    await waitFor('a hundred messages processed', async () => {
      const status = await getJson<FunctionStatus>(`${first.url}/status`);
      return (status.instances[0]?.status.numSuccessfullyProcessed ?? 0) >= 100;
    });
    const started = performance.now();
    await docker('stop', '-t', String(STOP_GRACE_S), first.name);
    const stopMs = performance.now() - started;
    const state = JSON.parse(await docker('inspect', '--format', '{{json .State}}', first.name));
    assert.equal(state.ExitCode, 0, await logs(first.name));
    assert.ok(stopMs < STOP_GRACE_S * 1000, `stopped after ${stopMs} ms`);
    const firstLogs = await logs(first.name);
    assert.match(firstLogs, /"msg":"draining"/);
    assert.match(firstLogs, /"drained":true[^\n]*"msg":"stopped"/);
    const left = await backlog(streamIn, 'public/default/reverse');
    assert.ok(left > 0, 'the first container was stopped before the end of the stream');

    await runContainer(reverseTag, env);
    await waitFor(
      'the whole input acknowledged',
      async () => (await backlog(streamIn, 'public/default/reverse')) === 0,
      {
        timeoutMs: 180_000,
      },
    );
    const received = await consume(streamOut, { idleTimeoutMs: 5_000, timeoutMs: 180_000 });
    const seen = new Map<string, number>();
    for (const message of received) {
      const i = Number(/^k-(\d+)$/.exec(message.key ?? '')?.[1]);
      assert.ok(Number.isInteger(i), `unexpected key ${message.key}`);
      assert.equal(message.payload.toString(), [...`message-${i}`].reverse().join(''));
      seen.set(message.key ?? '', (seen.get(message.key ?? '') ?? 0) + 1);
    }
    const missing = Array.from({ length: count }, (_, i) => `k-${i}`).filter((key) => !seen.has(key));
    const duplicates = received.length - seen.size;
    // Duplicates are allowed (at-least-once): the input is batched, and the client acknowledges a batch entry only
    // once all its messages are (no batch-index acks), so a batch the first container had partly done comes again.
    t.diagnostic(
      `docker stop took ${Math.round(stopMs)} ms; ${received.length} outputs, ${duplicates} duplicates`,
    );
    assert.deepEqual(missing, [], 'every input has an output');
  });

  it('runs the interview’s argv script with PF_SCRIPT_ARGV_PAYLOAD=true baked into its image', async () => {
    const built = await buildImage(root, 'scripts/examples/reverse-argv.sh', argvTag, [
      '--env',
      'PF_SCRIPT_ARGV_PAYLOAD=true',
    ]);
    const config = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', built.tag));
    assert.ok(config.Env.includes('PF_SCRIPT_ARGV_PAYLOAD=true'), config.Env);
    assert.ok(config.Env.includes('PF_SCRIPT=/fn/reverse-argv.sh'), config.Env);
    const argvIn = uniqueTopic('e2e-argv-in');
    const argvOut = uniqueTopic('e2e-argv-out');
    await runContainer(argvTag, { PF_INPUTS: argvIn, PF_OUTPUT: argvOut });
    await produce(argvIn, [
      { payload: 'stressed', key: 'a' },
      { payload: 'añb', key: 'b' },
    ]);
    const received = await consume(argvOut, { count: 2, timeoutMs: 60_000 });
    const byKey = Object.fromEntries(received.map((m) => [m.key, m.payload.toString()]));
    assert.deepEqual(byKey, { a: 'desserts', b: 'bña' });
  });
});
