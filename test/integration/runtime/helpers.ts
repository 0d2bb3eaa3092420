// Shared by the runtime's integration tests: Apache's Python client as producer and checker (test/support/
// peer.py), scripts written to a temporary directory, and a started instance that is always stopped.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { admin } from '../../support/admin.ts';
import { testEnv, waitFor } from '../../support/env.ts';
import { InstanceProcess, type InstanceSpawnOptions } from '../../support/instance.ts';

const run = promisify(execFile);

export interface PeerMessage {
  readonly payload: Buffer;
  readonly key: string | null;
  readonly properties: Record<string, string>;
  readonly eventTime: number | null;
  readonly redeliveryCount: number;
  readonly topic: string;
  readonly messageId: string;
}

export interface ProduceSpec {
  readonly payload: Buffer | string;
  readonly key?: string;
  readonly properties?: Record<string, string>;
  readonly eventTime?: number;
}

/**
 * Runs peer.py; resolves with its JSON lines. pulsar-client 3.13's C++ core sometimes aborts at interpreter
 * exit ("terminate called without an active exception", exit 134) after everything was done and printed, so a
 * run whose output ends with its summary line counts as done whatever the exit code.
 */
async function peer(args: string[], input?: string): Promise<Record<string, unknown>[]> {
  const script = join(testEnv.root, 'test/support/peer.py');
  const child = run(testEnv.python, [script, ...args], { maxBuffer: 1024 * 1024 * 1024, timeout: 300_000 });
  if (input !== undefined) child.child.stdin!.end(input);
  let stdout: string;
  try {
    ({ stdout } = await child);
  } catch (error) {
    const out = (error as { stdout?: string }).stdout;
    if (out === undefined || !out.includes('{"summary"')) throw error;
    stdout = out;
  }
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export interface ProducedMessage {
  readonly ledgerId: bigint;
  readonly entryId: bigint;
}

/** Sends the messages in order (one send at a time, no batching); resolves with their ids. */
export async function produce(
  topic: string,
  specs: readonly ProduceSpec[],
  serviceUrl = testEnv.serviceUrl,
): Promise<ProducedMessage[]> {
  const lines = specs.map((s) =>
    JSON.stringify({
      payload_b64: Buffer.from(s.payload).toString('base64'),
      key: s.key,
      properties: s.properties ?? {},
      event_time: s.eventTime,
    }),
  );
  const produced = await peer(
    ['produce', '--service-url', serviceUrl, '--topic', topic, '--json-in'],
    `${lines.join('\n')}\n`,
  );
  return produced
    .filter((l) => 'ledger_id' in l)
    .map((l) => ({ ledgerId: BigInt(l.ledger_id as number), entryId: BigInt(l.entry_id as number) }));
}

/** Many generated messages, fast: `message-<i>` payloads, batched. */
export async function produceMany(
  topic: string,
  count: number,
  extra: string[] = [],
  serviceUrl = testEnv.serviceUrl,
): Promise<void> {
  await peer([
    'produce',
    ...['--service-url', serviceUrl, '--topic', topic, '--count', String(count)],
    ...['--batching', 'on'],
    ...extra,
  ]);
}

export interface ConsumeOptions {
  /** Stop after this many. */
  readonly count?: number;
  /** Stop when nothing came for this long. */
  readonly idleTimeoutMs?: number;
  /** Overall limit. Default 60 s. */
  readonly timeoutMs?: number;
  readonly subscription?: string;
  /** Default the shared broker. */
  readonly serviceUrl?: string;
}

/** Reads a topic from its start (a new subscription each time unless named). */
export async function consume(topic: string, options: ConsumeOptions = {}): Promise<PeerMessage[]> {
  const args = [
    'consume',
    ...['--service-url', options.serviceUrl ?? testEnv.serviceUrl, '--topic', topic],
    ...['--subscription', options.subscription ?? `check-${randomBytes(4).toString('hex')}`],
    ...['--timeout-ms', String(options.timeoutMs ?? 60_000)],
  ];
  if (options.count !== undefined) args.push('--count', String(options.count));
  if (options.idleTimeoutMs !== undefined) args.push('--idle-timeout-ms', String(options.idleTimeoutMs));
  // With --count, peer.py exits 3 when fewer arrived; its summary line is printed all the same.
  const lines = await peer(args);
  return lines
    .filter((l) => 'payload_b64' in l)
    .map((l) => ({
      payload: Buffer.from(l.payload_b64 as string, 'base64'),
      key: (l.key as string | null) ?? null,
      properties: (l.properties as Record<string, string>) ?? {},
      eventTime: (l.event_time as number | null) ?? null,
      redeliveryCount: l.redelivery_count as number,
      topic: l.topic as string,
      messageId: l.message_id as string,
    }));
}

/** `persistent://<namespace>/<prefix>-<random>`. */
export function topicIn(namespace: string, prefix: string): string {
  return `persistent://${namespace}/${prefix}-${randomBytes(6).toString('hex')}`;
}

const scriptDir = mkdtempSync(join(tmpdir(), 'pf-runtime-it-'));

/** Writes a bash script; returns its path. */
export function script(name: string, body: string): string {
  const path = join(scriptDir, `${name}-${randomBytes(3).toString('hex')}.sh`);
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  return path;
}

/** A scratch path in the tests' temporary directory. */
export function scratch(name: string): string {
  return join(scriptDir, `${name}-${randomBytes(3).toString('hex')}`);
}

const started: InstanceProcess[] = [];
after(async () => {
  await Promise.all(started.map((i) => i.kill()));
});

/** Starts an instance that is killed after the file's tests, whatever happens. */
export async function startInstance(options: InstanceSpawnOptions): Promise<InstanceProcess> {
  const spawned = InstanceProcess.spawn(options);
  started.push(spawned);
  try {
    await spawned.waitReady();
  } catch (error) {
    await spawned.kill();
    throw new Error(`${(error as Error).message}\n${spawned.describe()}`);
  }
  return spawned;
}

/** The environment every test starts from: reads its input from the start. */
export function baseEnv(scriptPath: string, input: string, output?: string): Record<string, string> {
  return {
    PF_SCRIPT: scriptPath,
    PF_INPUTS: input,
    ...(output === undefined ? {} : { PF_OUTPUT: output }),
    PF_SUBSCRIPTION_POSITION: 'Earliest',
    PF_LOG_LEVEL: 'info',
  };
}

/** The function name the runtime derives from a script path (its file name without extension). */
export function functionNameOf(scriptPath: string): string {
  const base = scriptPath.slice(scriptPath.lastIndexOf('/') + 1);
  return base.slice(0, base.lastIndexOf('.'));
}

/** Messages of `topic` not yet acknowledged on `subscription` (from the broker's topic stats). */
export async function backlog(topic: string, subscription: string): Promise<number> {
  const stats = (await admin.stats(topic)) as { subscriptions?: Record<string, { msgBacklog?: number }> };
  const backlogOf = stats.subscriptions?.[subscription]?.msgBacklog;
  if (backlogOf === undefined) throw new Error(`no subscription ${subscription} on ${topic}`);
  return backlogOf;
}

/** Waits until every message of `topic` is acknowledged on the instance's subscription. */
export async function waitAllAcknowledged(
  topic: string,
  scriptPath: string,
  timeoutMs = 60_000,
): Promise<void> {
  const subscription = `public/default/${functionNameOf(scriptPath)}`;
  await waitFor(
    `no backlog on ${topic} for ${subscription}`,
    async () => (await backlog(topic, subscription)) === 0,
    {
      timeoutMs,
    },
  );
}
