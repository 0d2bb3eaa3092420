// Runtime throughput through the local broker: a backlog of N messages on a fresh input topic, drained by one
// in-process instance (Instance.start, the code `pf-bash run` runs) that publishes one output per input and
// acknowledges the input after the output's receipt. The clock starts when the instance is subscribed and stops
// when the input subscription's backlog is 0 (every output receipted); then the output topic is checked to hold
// N messages. Scenarios, all in the same run against the same broker:
//   ceiling         no script: an in-process executor returning the payload — the client and runtime path alone
//   exec-cat        exec mode, `cat`: one bash process per message
//   exec-reverse    exec mode, scripts/examples/reverse.sh
//   stream-echo     stream mode, lines codec, a `while read` loop printing each line back
//   stream-reverse  stream mode, lines codec, scripts/examples/stream/reverse.sh
//   spawn-reverse   no broker: bash reverse.sh spawned per payload from Node, C at a time
//   exec-vs-xargs   exec mode, reverse.sh, at each C of BENCH_XARGS_CONCURRENCY, against its ceiling: the same
//                   script on the same payloads (one file each) run by `xargs -P C` with no broker; rounds
//                   alternate between the two, and the medians and their ratio are printed (target ≥ 0.85)
//   exec-latency    exec mode, reverse.sh: produce → output latency (p50/p99) at a fixed rate below capacity
//   exec-rss        exec mode, a slow script (sleep 0.1) behind a backlog of BENCH_RSS_BACKLOG messages: the
//                   instance runs as its own process (`node src/cli/main.ts run`); its RSS is sampled
// Prints msgs/s per scenario and the ratios stream/exec and scenario/ceiling. A script, not a test: it asserts
// nothing about speed. Run it with `npm run bench:runtime` (scripts/bench.sh sets everything up), or:
//   PULSAR_SERVICE_URL=… PULSAR_ADMIN_URL=… node bench/runtime.bench.ts
//   env BENCH_STREAM_COUNT (50000), BENCH_EXEC_COUNT (2000), BENCH_CONCURRENCY (CPUs), BENCH_PIPELINE (16),
//       BENCH_SIZE (payload bytes, 32), BENCH_MAX_PENDING (PF_MAX_PENDING; default: each mode's own),
//       BENCH_SCENARIOS (comma list, default all),
//       BENCH_XARGS_CONCURRENCY (comma list, 2,4), BENCH_XARGS_COUNT (1000 per round), BENCH_XARGS_ROUNDS (3),
//       BENCH_LATENCY_RATE (msgs/s, 50), BENCH_LATENCY_SECONDS (20), BENCH_LATENCY_CONCURRENCY (2),
//       BENCH_RSS_BACKLOG (100000), BENCH_RSS_SECONDS (30), BENCH_RSS_CONCURRENCY (CPUs)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../src/pulsar/client.ts';
import type { MessageId } from '../src/pulsar/types.ts';
import { loadConfig, readFileOrUndefined } from '../src/runtime/config/index.ts';
import type {
  FunctionExecutor,
  Invocation,
  InvocationResult,
} from '../src/runtime/function-executor/index.ts';
import { Instance } from '../src/runtime/index.ts';

const serviceUrl = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const adminUrl = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const root = process.env.PF_ROOT ?? process.cwd();
const streamCount = positive('BENCH_STREAM_COUNT', process.env.BENCH_STREAM_COUNT ?? '50000');
const execCount = positive('BENCH_EXEC_COUNT', process.env.BENCH_EXEC_COUNT ?? '2000');
const concurrency = positive(
  'BENCH_CONCURRENCY',
  process.env.BENCH_CONCURRENCY ?? String(availableParallelism()),
);
const pipeline = positive('BENCH_PIPELINE', process.env.BENCH_PIPELINE ?? '16');
const size = positive('BENCH_SIZE', process.env.BENCH_SIZE ?? '32');
const maxPending = process.env.BENCH_MAX_PENDING;
const xargsConcurrency = (process.env.BENCH_XARGS_CONCURRENCY ?? '2,4')
  .split(',')
  .map((c) => positive('BENCH_XARGS_CONCURRENCY', c));
const xargsCount = positive('BENCH_XARGS_COUNT', process.env.BENCH_XARGS_COUNT ?? '1000');
const xargsRounds = positive('BENCH_XARGS_ROUNDS', process.env.BENCH_XARGS_ROUNDS ?? '3');
const latencyRate = positive('BENCH_LATENCY_RATE', process.env.BENCH_LATENCY_RATE ?? '50');
const latencySeconds = positive('BENCH_LATENCY_SECONDS', process.env.BENCH_LATENCY_SECONDS ?? '20');
const latencyConcurrency = positive(
  'BENCH_LATENCY_CONCURRENCY',
  process.env.BENCH_LATENCY_CONCURRENCY ?? '2',
);
const rssBacklog = positive('BENCH_RSS_BACKLOG', process.env.BENCH_RSS_BACKLOG ?? '100000');
const rssSeconds = positive('BENCH_RSS_SECONDS', process.env.BENCH_RSS_SECONDS ?? '30');
const rssConcurrency = positive(
  'BENCH_RSS_CONCURRENCY',
  process.env.BENCH_RSS_CONCURRENCY ?? String(availableParallelism()),
);
const ALL = [
  'ceiling',
  'exec-cat',
  'exec-reverse',
  'stream-echo',
  'stream-reverse',
  'spawn-reverse',
  'exec-vs-xargs',
  'exec-latency',
  'exec-rss',
] as const;
type Scenario = (typeof ALL)[number];
const chosen = new Set((process.env.BENCH_SCENARIOS ?? ALL.join(',')).split(',')) as Set<string>;

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Expected ${name} to be a positive integer, got \`${text}\``);
  }
  return value;
}

/** `bench-<i>-xxx…`, `size` bytes of text, no newline: every scenario (the lines codec too) takes it. */
function payloadOf(i: number): Buffer {
  const head = `bench-${i}-`;
  return Buffer.from(head.padEnd(Math.max(size, head.length), 'x'));
}

const scratch = mkdtempSync(join(tmpdir(), 'pf-bench-runtime-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const scripts = {
  cat: write('cat.sh', 'cat\n'),
  echoLines: write('echo-lines.sh', 'while IFS= read -r line; do printf "%s\\n" "$line"; done\n'),
  reverse: join(root, 'scripts/examples/reverse.sh'),
  slow: write('slow.sh', 'sleep 0.1\ncat\n'),
  streamReverse: join(root, 'scripts/examples/stream/reverse.sh'),
};

function write(name: string, body: string): string {
  const file = join(scratch, name);
  writeFileSync(file, body);
  return file;
}

interface Figure {
  readonly scenario: Scenario;
  readonly count: number;
  readonly seconds: number;
  readonly rate: number;
}

// ---- through the broker ------------------------------------------------------------------------------------

function freshTopic(what: string): string {
  return `persistent://public/default/bench-runtime-${what}-${randomBytes(5).toString('hex')}`;
}

async function produceBacklog(topic: string, n: number): Promise<void> {
  const client = createClient({ serviceUrl });
  try {
    const producer = await client.createProducer({
      topic,
      batchingEnabled: true,
      batchingMaxMessages: 1000,
      batchingMaxPublishDelayMs: 10,
      maxPendingMessages: 1000,
    });
    const window: Promise<MessageId>[] = new Array(1000);
    for (let i = 0; i < n; i++) {
      if (i >= 1000) await window[i % 1000];
      window[i % 1000] = producer.send({ payload: payloadOf(i) });
    }
    await producer.flush();
    await Promise.all(window.slice(0, Math.min(n, 1000)));
    await producer.close();
  } finally {
    await client.close();
  }
}

async function topicStats(topic: string): Promise<{
  msgInCounter?: number;
  subscriptions?: Record<string, { msgBacklog?: number }>;
}> {
  const path = topic.replace('persistent://', 'persistent/');
  const response = await fetch(`${adminUrl}/admin/v2/${path}/stats`);
  if (!response.ok) throw new Error(`stats of ${topic}: HTTP ${response.status}`);
  return (await response.json()) as { msgInCounter?: number };
}

async function deleteTopic(topic: string): Promise<void> {
  const path = topic.replace('persistent://', 'persistent/');
  await fetch(`${adminUrl}/admin/v2/${path}?force=true`, { method: 'DELETE' }).catch(() => undefined);
}

/** The identity function, in process: what the runtime costs without any script. */
const identity: FunctionExecutor = {
  run(invocation: Invocation): Promise<InvocationResult> {
    return Promise.resolve({
      outcome: 'success',
      exitCode: 0,
      signal: undefined,
      timedOut: false,
      aborted: false,
      durationMs: 0,
      output: {
        topic: undefined,
        payload: invocation.payload,
        key: invocation.key,
        properties: invocation.properties,
        eventTime: invocation.eventTime,
      },
      extraMessages: [],
      stderrTail: '',
    });
  },
};

function instanceEnv(
  scenario: string,
  input: string,
  output: string,
  settings: Record<string, string>,
): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PF_SERVICE_URL: serviceUrl,
    PF_INPUTS: input,
    PF_OUTPUT: output,
    PF_NAME: `bench-${scenario}`,
    PF_SUBSCRIPTION_POSITION: 'Earliest',
    PF_HTTP_PORT: '0',
    PF_HTTP_HOST: '127.0.0.1',
    PF_LOG_LEVEL: 'warn',
    ...(maxPending === undefined ? {} : { PF_MAX_PENDING: maxPending }),
    ...settings,
  };
}

/** An in-process instance (Instance.start, the code `pf-bash run` runs), subscribed when this resolves. */
async function startInstance(
  scenario: string,
  input: string,
  output: string,
  settings: Record<string, string>,
  executor?: FunctionExecutor,
): Promise<Instance> {
  const loaded = loadConfig(instanceEnv(scenario, input, output, settings), readFileOrUndefined, {
    cpuCount: availableParallelism(),
  });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.setting}: ${p.message}`).join('\n'));
  return Instance.start({ config: loaded.config, signals: null, ...(executor ? { executor } : {}) });
}

const ProcessedSuccessfully = 'pulsar_function_processed_successfully_total';
const sumOf = (metric: { values: readonly { value: number }[] }) =>
  metric.values.reduce((sum, { value }) => sum + value, 0);

async function throughBroker(
  scenario: Scenario,
  n: number,
  settings: Record<string, string>,
  executor?: FunctionExecutor,
): Promise<Figure> {
  const input = freshTopic(`${scenario}-in`);
  const output = freshTopic(`${scenario}-out`);
  await produceBacklog(input, n);
  const instance = await startInstance(scenario, input, output, settings, executor);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const subscription = instance.config.input.subscriptionName;
  // The in-process counter first: polling the broker's topic stats every 50 ms while messages flow cost the
  // broker about 0.1 ms of CPU per message at exec mode's rates, load that only the exec side of a comparison
  // would carry. The backlog, checked once the count is reached, still ends the clock.
  const succeeded = instance.metrics.registry.getSingleMetric(ProcessedSuccessfully);
  while (succeeded !== undefined && sumOf(await succeeded.get()) < n) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (;;) {
    const stats = await topicStats(input);
    if (stats.subscriptions?.[subscription]?.msgBacklog === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (process.env.BENCH_DEBUG)
    console.log(
      `  ${scenario}: this process's CPU ${((used.user + used.system) / n).toFixed(0)} µs/msg (sys ${(used.system / n).toFixed(0)}), RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
    );
  await instance.stop();
  const outputs = (await topicStats(output)).msgInCounter;
  if (outputs !== n) throw new Error(`${scenario}: expected ${n} outputs, the output topic has ${outputs}`);
  await Promise.all([deleteTopic(input), deleteTopic(output)]);
  return { scenario, count: n, seconds, rate: n / seconds };
}

// ---- no broker: bash spawned per message --------------------------------------------------------------------

/** bash <script> per payload, `concurrency` at a time, payload on stdin, stdout read: exec mode's own floor. */
async function spawnPerMessage(scenario: Scenario, script: string, n: number): Promise<Figure> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < n) {
      const payload = payloadOf(next++);
      await new Promise<void>((resolve, reject) => {
        const child = spawn('bash', [script], { stdio: ['pipe', 'pipe', 'ignore'] });
        child.stdout.resume();
        child.once('error', reject);
        child.once('close', () => resolve());
        child.stdin.end(payload);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { scenario, count: n, seconds, rate: n / seconds };
}

// ---- exec mode against xargs -P C --------------------------------------------------------------------------

let payloadFiles: string[] = [];

/** One file per payload, written once (untimed): what xargs feeds the script. */
function writePayloadFiles(n: number): string[] {
  if (payloadFiles.length >= n) return payloadFiles;
  const dir = join(scratch, 'payloads');
  mkdirSync(dir, { recursive: true });
  payloadFiles = Array.from({ length: n }, (_, i) => {
    const file = join(dir, String(i));
    writeFileSync(file, payloadOf(i));
    return file;
  });
  return payloadFiles;
}

/**
 * `xargs -P c` running `bash -c 'exec bash reverse.sh <file >/dev/null'` per payload file: one small process
 * forks per message and bash runs the script; `exec` spares the second fork. No broker, no Node in the loop.
 */
async function xargsRound(c: number, n: number): Promise<Figure> {
  const list = `${writePayloadFiles(n).slice(0, n).join('\n')}\n`;
  const started = performance.now();
  const child = spawn(
    'xargs',
    ['-P', String(c), '-n', '1', 'bash', '-c', 'exec bash "$0" <"$1" >/dev/null', scripts.reverse],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  child.stdin.end(list);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`xargs exited with ${code}`);
  const seconds = (performance.now() - started) / 1000;
  return { scenario: 'exec-vs-xargs', count: n, seconds, rate: n / seconds };
}

/**
 * CPU time the whole machine spent, in ms (every process: the broker, the instance, the launchers, the scripts,
 * xargs), from /proc/stat. Over a round it says what a message costs in all, not only how fast it went.
 */
function machineCpuMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const busy = fields.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
  return (busy * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function execVsXargs(): Promise<Figure> {
  writePayloadFiles(xargsCount);
  const rates = new Map(
    xargsConcurrency.map((c) => [
      c,
      { exec: [] as number[], xargs: [] as number[], execCpu: [] as number[], xargsCpu: [] as number[] },
    ]),
  );
  const fmt = (rate: number) => Math.round(rate).toLocaleString('en-US').padStart(5);
  for (let round = 1; round <= xargsRounds; round++) {
    for (const c of xargsConcurrency) {
      const r = rates.get(c)!;
      // Alternate which goes first, so a burst of load elsewhere on the machine does not always hit one side.
      const order = round % 2 === 1 ? ['xargs', 'exec'] : ['exec', 'xargs'];
      for (const side of order) {
        const cpuBefore = machineCpuMs();
        const figure =
          side === 'xargs'
            ? await xargsRound(c, xargsCount)
            : await throughBroker('exec-vs-xargs', xargsCount, {
                PF_SCRIPT: scripts.reverse,
                PF_CONCURRENCY: String(c),
              });
        // Includes, for exec, producing the backlog and the instance's start and stop: an upper bound.
        const cpuPerMessage = (machineCpuMs() - cpuBefore) / xargsCount;
        (side === 'xargs' ? r.xargs : r.exec).push(figure.rate);
        (side === 'xargs' ? r.xargsCpu : r.execCpu).push(cpuPerMessage);
      }
      console.log(
        `  round ${round} C=${c}: exec ${fmt(r.exec.at(-1)!)} msgs/s, xargs ${fmt(r.xargs.at(-1)!)} msgs/s, ` +
          `ratio ${(r.exec.at(-1)! / r.xargs.at(-1)!).toFixed(2)}×; machine CPU per message: exec ` +
          `${r.execCpu.at(-1)!.toFixed(2)} ms (with producing the backlog), xargs ${r.xargsCpu.at(-1)!.toFixed(2)} ms`,
      );
    }
  }
  let last: Figure | undefined;
  for (const [c, r] of rates) {
    const exec = median(r.exec);
    const xargs = median(r.xargs);
    console.log(
      `exec-vs-xargs C=${c}: exec ${fmt(exec)} msgs/s, xargs -P ${c} ${fmt(xargs)} msgs/s (medians of ` +
        `${xargsRounds} × ${xargsCount}), exec/xargs ${(exec / xargs).toFixed(2)}× (target ≥ 0.85)`,
    );
    last = { scenario: 'exec-vs-xargs', count: xargsCount, seconds: xargsCount / exec, rate: exec };
  }
  return last!;
}

// ---- latency at a fixed rate -------------------------------------------------------------------------------

const SENT = 'bench-sent-ms';
const nowMs = () => performance.timeOrigin + performance.now();

/** Produces at latencyRate for latencySeconds (each message stamped); the output keeps the stamp (properties). */
async function execLatency(): Promise<Figure> {
  const input = freshTopic('latency-in');
  const output = freshTopic('latency-out');
  const n = latencyRate * latencySeconds;
  const client = createClient({ serviceUrl });
  const consumer = await client.subscribe({
    topic: output,
    subscription: 'bench',
    subscriptionInitialPosition: 'Earliest',
  });
  // Creates the input topic, so the instance's Earliest subscription sees every message.
  const producer = await client.createProducer({ topic: input, batchingEnabled: false });
  const instance = await startInstance('exec-latency', input, output, {
    PF_SCRIPT: scripts.reverse,
    PF_CONCURRENCY: String(latencyConcurrency),
  });
  const latencies: number[] = [];
  const received = (async () => {
    while (latencies.length < n) {
      const message = await consumer.receive();
      latencies.push(nowMs() - Number(message.properties[SENT]));
      await consumer.acknowledge(message);
    }
  })();
  const started = performance.now();
  const sends: Promise<MessageId>[] = [];
  for (let i = 0; i < n; i++) {
    // Absolute schedule: a late send does not push the later ones back.
    const wait = started + (i * 1000) / latencyRate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(producer.send({ payload: payloadOf(i), properties: { [SENT]: nowMs().toFixed(3) } }));
  }
  await Promise.all(sends);
  await received;
  const seconds = (performance.now() - started) / 1000;
  await instance.stop();
  await producer.close();
  await consumer.close();
  await client.close();
  await Promise.all([deleteTopic(input), deleteTopic(output)]);
  const sorted = latencies.sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  console.log(
    `exec-latency: ${n} messages at ${latencyRate} msgs/s, C=${latencyConcurrency}: produce → output ` +
      `p50 ${pick(0.5).toFixed(1)} ms, p99 ${pick(0.99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
  );
  return { scenario: 'exec-latency', count: n, seconds, rate: n / seconds };
}

// ---- memory with a backlog ---------------------------------------------------------------------------------

function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** The instance as its own process (what a pod runs) behind a backlog, with a slow script; RSS sampled. */
async function execRss(): Promise<Figure> {
  const input = freshTopic('rss-in');
  const output = freshTopic('rss-out');
  const produceStarted = performance.now();
  await produceBacklog(input, rssBacklog);
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  const env = instanceEnv('exec-rss', input, output, {
    PF_SCRIPT: scripts.slow,
    PF_CONCURRENCY: String(rssConcurrency),
  });
  const loaded = loadConfig(env, readFileOrUndefined, { cpuCount: availableParallelism() });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.setting}: ${p.message}`).join('\n'));
  const child = spawn(process.execPath, [join(root, 'src/cli/main.ts'), 'run'], {
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const pid = child.pid!;
  const samples: { t: number; rss: number; hwm: number }[] = [];
  const started = performance.now();
  while (performance.now() - started < rssSeconds * 1000) {
    const memory = memoryOf(pid);
    if (memory === undefined) break;
    samples.push({ t: (performance.now() - started) / 1000, ...memory });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const processed = (await topicStats(output)).msgInCounter ?? 0;
  child.kill('SIGTERM');
  const code = await exited;
  await Promise.all([deleteTopic(input), deleteTopic(output)]);
  if (samples.length === 0) throw new Error(`exec-rss: the instance exited at once (code ${code})`);
  const peak = samples.at(-1)!.hwm;
  const at = (t: number) => samples.find((s) => s.t >= t) ?? samples.at(-1)!;
  const timeline = [5, 10, 15, 20, 25, rssSeconds]
    .filter((t) => t <= rssSeconds)
    .map((t) => `${t} s ${at(t).rss.toFixed(0)}`)
    .join(', ');
  console.log(
    `exec-rss: backlog ${rssBacklog} (produced in ${produceSeconds.toFixed(1)} s), C=${rssConcurrency}, ` +
      `PF_MAX_PENDING ${loaded.config.pool.maxPending}, ${processed} processed in ${rssSeconds} s; ` +
      `RSS MB at ${timeline}; peak (VmHWM) ${peak.toFixed(0)} MB; exit code ${code}`,
  );
  return { scenario: 'exec-rss', count: processed, seconds: rssSeconds, rate: processed / rssSeconds };
}

// ---- run and report ----------------------------------------------------------------------------------------

const stream = (script: string) => ({
  PF_SCRIPT: script,
  PF_MODE: 'stream',
  PF_STREAM_CODEC: 'lines',
  PF_CONCURRENCY: String(concurrency),
  PF_STREAM_PIPELINE: String(pipeline),
});
const exec = (script: string) => ({ PF_SCRIPT: script, PF_CONCURRENCY: String(concurrency) });
const plans: Record<Scenario, () => Promise<Figure>> = {
  // As many messages running and held as stream mode's defaults, so the ceiling is not held back by the pool.
  ceiling: () =>
    throughBroker(
      'ceiling',
      streamCount,
      {
        PF_SCRIPT: scripts.cat,
        PF_CONCURRENCY: String(concurrency * pipeline),
        PF_MAX_PENDING: maxPending ?? String(2 * concurrency * pipeline + 256),
      },
      identity,
    ),
  'exec-cat': () => throughBroker('exec-cat', execCount, exec(scripts.cat)),
  'exec-reverse': () => throughBroker('exec-reverse', execCount, exec(scripts.reverse)),
  'stream-echo': () => throughBroker('stream-echo', streamCount, stream(scripts.echoLines)),
  'stream-reverse': () => throughBroker('stream-reverse', streamCount, stream(scripts.streamReverse)),
  'spawn-reverse': () => spawnPerMessage('spawn-reverse', scripts.reverse, execCount),
  'exec-vs-xargs': execVsXargs,
  'exec-latency': execLatency,
  'exec-rss': execRss,
};

console.log(
  `runtime benchmark: ${size}-byte payloads, concurrency ${concurrency}, stream pipeline ${pipeline}, ` +
    `${streamCount} messages per broker scenario with the ceiling and stream mode, ${execCount} with exec mode`,
);
const figures = new Map<Scenario, Figure>();
for (const scenario of ALL) {
  if (!chosen.has(scenario)) continue;
  const figure = await plans[scenario]();
  figures.set(scenario, figure);
  console.log(
    `${scenario.padEnd(15)} ${String(figure.count).padStart(7)} msgs in ${figure.seconds.toFixed(2).padStart(7)} s: ` +
      `${Math.round(figure.rate).toLocaleString('en-US').padStart(8)} msgs/s`,
  );
}

const ratio = (a: Scenario, b: Scenario, what: string) => {
  const x = figures.get(a);
  const y = figures.get(b);
  if (x && y) console.log(`${what.padEnd(44)} ${(x.rate / y.rate).toFixed(2)}×`);
};
console.log('');
ratio('stream-echo', 'exec-cat', 'stream-echo / exec-cat (target ≥ 20)');
ratio('stream-reverse', 'exec-reverse', 'stream-reverse / exec-reverse');
ratio('stream-echo', 'ceiling', 'stream-echo / ceiling');
ratio('stream-reverse', 'ceiling', 'stream-reverse / ceiling');
ratio('exec-reverse', 'spawn-reverse', 'exec-reverse / spawn-reverse (target ≥ 0.85)');
const echo = figures.get('stream-echo');
if (echo) console.log(`stream-echo ≥ 10,000 msgs/s: ${echo.rate >= 10_000 ? 'yes' : 'no'}`);
process.exit(0);
