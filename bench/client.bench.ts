// Client throughput through the local broker: N messages of 1 KiB produced (batching on) and consumed with our
// client, and with Apache's Python client (bench/apache_client_bench.py) in the same run, on the same broker.
// Prints msgs/s and MB/s (10^6 bytes of payload per second) for each, and the ratio ours/Apache's; each figure is
// the median of several rounds after a warm-up round, every round on fresh topics. A script, not a test: it
// asserts nothing about speed. Run it with `npm run bench:client` (scripts/bench.sh sets everything up), or:
//   PULSAR_SERVICE_URL=… PF_PYTHON=… node bench/client.bench.ts [count] [rounds]
//   env BENCH_COUNT (100000), BENCH_ROUNDS (5), BENCH_SIDES (ours,apache), BENCH_MAX_PENDING (1000)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '../src/pulsar/client.ts';
import { InitialPosition, type MessageId } from '../src/pulsar/types.ts';

const run = promisify(execFile);

const count = positive('count', process.argv[2] ?? process.env.BENCH_COUNT ?? '100000');
const rounds = positive('rounds', process.argv[3] ?? process.env.BENCH_ROUNDS ?? '5');
const maxPending = positive('BENCH_MAX_PENDING', process.env.BENCH_MAX_PENDING ?? '1000');
const sides = new Set((process.env.BENCH_SIDES ?? 'ours,apache').split(','));
const SIZE = 1024;
const serviceUrl = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const adminUrl = process.env.PULSAR_ADMIN_URL ?? 'http://127.0.0.1:8080';
const root = process.env.PF_ROOT ?? process.cwd();
const python = process.env.PF_PYTHON ?? join(root, '.cache/venv/bin/python');
// The same bytes as the Python side: 0, 1, …, 255, 0, 1, …
const payload = Buffer.from(Uint8Array.from({ length: SIZE }, (_, i) => i % 256));

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Expected ${name} to be a positive integer, got \`${text}\``);
  }
  return value;
}

interface Result {
  count: number;
  bytes: number;
  seconds: number;
}

function freshTopic(what: string): string {
  return `persistent://public/default/bench-client-${what}-${randomBytes(5).toString('hex')}`;
}

// ---- our client ------------------------------------------------------------------------------------------

/** Sends n messages, at most maxPending unreceipted (as Apache's block_if_queue_full), then flushes. */
async function oursProduce(topic: string, n: number): Promise<Result> {
  const client = createClient({ serviceUrl });
  try {
    const producer = await client.createProducer({
      topic,
      batchingEnabled: true,
      batchingMaxMessages: 1000,
      batchingMaxBytes: 128 * 1024,
      batchingMaxPublishDelayMs: 10,
      maxPendingMessages: maxPending,
    });
    const window: Promise<MessageId>[] = new Array(maxPending);
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const slot = i % maxPending;
      // Wait for the send maxPending places back: what blocking on a full queue does in Apache's clients.
      if (i >= maxPending) await window[slot];
      window[slot] = producer.send({ payload });
    }
    await producer.flush();
    await Promise.all(window.slice(0, Math.min(n, maxPending)));
    const seconds = (performance.now() - started) / 1000;
    await producer.close();
    return { count: n, bytes: n * SIZE, seconds };
  } finally {
    await client.close();
  }
}

/** Receives and acknowledges n messages from the earliest position. */
async function oursConsume(topic: string, n: number): Promise<Result> {
  const client = createClient({ serviceUrl });
  try {
    const started = performance.now();
    const consumer = await client.subscribe({
      topic,
      subscription: 'bench',
      subscriptionInitialPosition: InitialPosition.Earliest,
      receiverQueueSize: 1000,
    });
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const message = await consumer.receive(60_000);
      bytes += message.payload.length;
      await consumer.acknowledge(message);
    }
    const seconds = (performance.now() - started) / 1000;
    await consumer.close();
    return { count: n, bytes, seconds };
  } finally {
    await client.close();
  }
}

// ---- Apache's client ---------------------------------------------------------------------------------------

async function apache(mode: 'bench-produce' | 'bench-consume', topic: string, n: number): Promise<Result> {
  const args = [
    join(root, 'bench/apache_client_bench.py'),
    mode,
    '--service-url',
    serviceUrl,
    '--topic',
    topic,
  ];
  args.push('--count', String(n));
  if (mode === 'bench-produce') args.push('--size', String(SIZE), '--max-pending', String(maxPending));
  else args.push('--subscription', 'bench');
  const { stdout } = await run(python, args, { timeout: 600_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
}

// ---- rounds and report -------------------------------------------------------------------------------------

type Side = 'ours' | 'apache';
const figures: Record<Side, { produce: Result[]; consume: Result[] }> = {
  ours: { produce: [], consume: [] },
  apache: { produce: [], consume: [] },
};

async function round(side: Side, n: number): Promise<{ produce: Result; consume: Result }> {
  const topic = freshTopic(side);
  try {
    if (side === 'ours')
      return { produce: await oursProduce(topic, n), consume: await oursConsume(topic, n) };
    return {
      produce: await apache('bench-produce', topic, n),
      consume: await apache('bench-consume', topic, n),
    };
  } finally {
    await deleteTopic(topic);
  }
}

/** Rounds write N KiB each: their topics go again at once, so repeated runs do not fill the broker's disk. */
async function deleteTopic(topic: string): Promise<void> {
  const path = topic.replace('persistent://', 'persistent/');
  const response = await fetch(`${adminUrl}/admin/v2/${path}?force=true`, { method: 'DELETE' }).catch(
    (error: unknown) => ({ ok: false, status: String(error) }),
  );
  if (!response.ok) console.warn(`could not delete ${topic}: ${response.status}`);
}

const rate = (r: Result) => r.count / r.seconds;
const mbps = (r: Result) => r.bytes / r.seconds / 1e6;

function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor(sorted.length / 2)]!;
}

function row(label: string, r: Result | undefined, extra = ''): string {
  if (r === undefined) return `${label.padEnd(28)} (not run)`;
  const msgs = `${Math.round(rate(r)).toLocaleString('en-US')} msgs/s`.padStart(16);
  return `${label.padEnd(28)}${msgs} ${mbps(r).toFixed(1).padStart(7)} MB/s${extra}`;
}

const order: Side[] = (['ours', 'apache'] as const).filter((s) => sides.has(s));
console.log(
  `client benchmark: ${count} messages of ${SIZE} B, ${rounds} rounds (median) after a warm-up, ` +
    `batching on, max pending ${maxPending}, broker ${serviceUrl}`,
);
console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
// Warm-up: JIT for us, connection and broker caches for both.
for (const side of order) await round(side, Math.min(count, Math.max(20_000, Math.floor(count / 5))));
for (let i = 0; i < rounds; i++) {
  // Alternate who goes first, so that neither side always meets the broker right after the other.
  const turn = i % 2 === 0 ? order : [...order].reverse();
  for (const side of turn) {
    const result = await round(side, count);
    figures[side].produce.push(result.produce);
    figures[side].consume.push(result.consume);
    console.log(
      `  round ${i + 1} ${side.padEnd(6)} produce ${Math.round(rate(result.produce))} msgs/s, ` +
        `consume ${Math.round(rate(result.consume))} msgs/s`,
    );
  }
}

for (const phase of ['produce', 'consume'] as const) {
  const ours = figures.ours[phase].length > 0 ? median(figures.ours[phase]) : undefined;
  const theirs = figures.apache[phase].length > 0 ? median(figures.apache[phase]) : undefined;
  const ratio = ours !== undefined && theirs !== undefined ? rate(ours) / rate(theirs) : undefined;
  console.log(`\n${phase}${phase === 'produce' ? ' (batching on)' : ' (individual acks)'}`);
  console.log(row('  pf-bash (TypeScript)', ours));
  console.log(row("  Apache's Python client", theirs));
  if (ratio !== undefined) console.log(`  ratio ours/Apache's: ${ratio.toFixed(2)} (target >= 0.80)`);
}
