// Shared by the consumer integration tests: Apache's Python producer (test/support/peer.py) as the independent
// source of messages, and small helpers to drain our consumer.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Consumer, Message } from '../../../src/pulsar/types.ts';

const run = promisify(execFile);

process.env.PULSAR_SERVICE_URL ??= 'pulsar://127.0.0.1:6650';
process.env.PULSAR_ADMIN_URL ??= 'http://127.0.0.1:8080';
export const serviceUrl = process.env.PULSAR_SERVICE_URL;

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} is not set: run integration tests through scripts/test.sh`);
  return value;
}

/** One line peer.py printed for a message it produced. */
export interface Produced {
  i: number;
  size: number;
  payload_sha256: string;
  message_id: string;
  ledger_id: number;
  entry_id: number;
  partition: number;
  batch_index: number;
}

/** Runs `peer.py produce` with the given flags; returns one line per message, in send order. */
export async function produce(topic: string, args: string[]): Promise<Produced[]> {
  const root = env('PF_ROOT', process.cwd());
  const python = env('PF_PYTHON', `${root}/.cache/venv/bin/python`);
  const { stdout } = await run(
    python,
    [`${root}/test/support/peer.py`, 'produce', '--service-url', serviceUrl, '--topic', topic, ...args],
    { maxBuffer: 256 * 1024 * 1024, timeout: 180_000 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Produced & { summary?: unknown })
    .filter((line) => line.summary === undefined);
}

/** Runs `peer.py produce --json-in`, one message per item (payload, optional key), in order. */
export async function produceLines(
  topic: string,
  messages: { payload: string; key?: string }[],
): Promise<void> {
  const root = env('PF_ROOT', process.cwd());
  const python = env('PF_PYTHON', `${root}/.cache/venv/bin/python`);
  const child = spawn(python, [
    `${root}/test/support/peer.py`,
    'produce',
    ...['--service-url', serviceUrl, '--topic', topic, '--json-in'],
  ]);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout.resume();
  const lines = messages.map((m) =>
    JSON.stringify({ payload_b64: Buffer.from(m.payload).toString('base64'), key: m.key }),
  );
  child.stdin.end(`${lines.join('\n')}\n`);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`peer.py produce --json-in exited with ${code}: ${stderr}`);
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Receives `count` messages (acking each), failing if one takes longer than `timeoutMs`. */
export async function drain(consumer: Consumer, count: number, timeoutMs = 30_000): Promise<Message[]> {
  const out: Message[] = [];
  while (out.length < count) {
    const message = await consumer.receive(timeoutMs);
    await consumer.acknowledge(message);
    out.push(message);
  }
  return out;
}

/** Receives until nothing arrives for `quietMs`. */
export async function drainUntilQuiet(consumer: Consumer, quietMs: number): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    let message: Message;
    try {
      message = await consumer.receive(quietMs);
    } catch {
      return out;
    }
    await consumer.acknowledge(message);
    out.push(message);
  }
}
