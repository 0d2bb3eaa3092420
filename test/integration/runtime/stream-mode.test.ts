// Stream mode end to end: a real broker, `pf-bash run` with PF_MODE=stream, Apache's Python client producing and
// checking. Both codecs byte-exact, processes that exit or stall, per-key order, readiness, SIGTERM mid-stream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { uniqueTopic, waitFor } from '../../support/env.ts';
import { InstanceProcess } from '../../support/instance.ts';
import {
  baseEnv,
  consume,
  functionNameOf,
  produce,
  scratch,
  script,
  startInstance,
  waitAllAcknowledged,
} from './helpers.ts';

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function streamEnv(scriptPath: string, input: string, output: string, codec: string): Record<string, string> {
  return { ...baseEnv(scriptPath, input, output), PF_MODE: 'stream', PF_STREAM_CODEC: codec };
}

/**
 * `m-<i>` payloads, sent one by one: a batch's messages share one broker entry, and a batch partly acknowledged
 * when one of its messages is nacked or abandoned is redelivered whole (without batch-index acknowledgement), so
 * batched input would show at-least-once duplicates that have nothing to do with stream mode.
 */
async function produceUnbatched(topic: string, count: number): Promise<void> {
  await produce(
    topic,
    Array.from({ length: count }, (_, i) => ({ payload: `m-${i}` })),
  );
}

/** numRestarts of the instance's `/status` document: stream mode's script process restarts. */
async function restartsInStatus(instance: InstanceProcess): Promise<number> {
  const status = JSON.parse((await instance.get('/status')).body) as {
    instances: { status: { numRestarts: number } }[];
  };
  return status.instances[0]!.status.numRestarts;
}

/** The dead-letter topic the runtime derives for `input` and the function of `scriptPath`. */
function deadLetterTopic(input: string, scriptPath: string): string {
  return `${input}-public-default-${functionNameOf(scriptPath)}-DLQ`;
}

describe('stream mode codecs, byte-exact', () => {
  test('lines: each line answered in order; a payload with a newline is dead-lettered at once', async () => {
    const input = uniqueTopic('st-lines-in');
    const output = uniqueTopic('st-lines-out');
    const echo = script('st-echo', 'while IFS= read -r line; do printf "%s\\n" "$line"; done');
    await startInstance({ env: { ...streamEnv(echo, input, output, 'lines'), PF_CONCURRENCY: '2' } });
    const payloads = [
      Buffer.from('hello'),
      Buffer.from('añb € 😀'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x80]),
      Buffer.from(' \t $(touch /tmp/pwned) `id` ; "\' \\n \r'),
      Buffer.from('two\nlines'),
    ];
    await produce(
      input,
      payloads.map((payload, i) => ({ payload, key: `k-${i}`, properties: { i: String(i) } })),
    );
    const received = await consume(output, { count: 4 });
    const byIndex = new Map(received.map((m) => [m.properties.i, m]));
    for (const i of [0, 1, 2, 3]) {
      const got = byIndex.get(String(i));
      assert.ok(got?.payload.equals(payloads[i]!), `payload ${i}`);
      assert.equal(got?.key, `k-${i}`);
    }
    const [letter] = await consume(deadLetterTopic(input, echo), { count: 1 });
    assert.ok(letter?.payload.equals(payloads[4]!));
    assert.equal(letter?.properties['pf-bash.failure'], 'payload-not-passable');
    assert.equal(letter?.properties['pf-bash.redelivery-count'], '0');
    await waitAllAcknowledged(input, echo);
  });

  test('length-prefixed: all 256 byte values through pure bash and head -c, with per-message metadata', async () => {
    const input = uniqueTopic('st-lp-in');
    const output = uniqueTopic('st-lp-out');
    // The payload streams through pf_payload | pf_reply (no NUL ever in a variable); the metadata comes back as
    // output properties.
    const body = [
      'source "$PF_LIB"',
      'export LC_ALL=C',
      'while pf_next; do',
      '  pf_set_output_property seen-id "$PF_MESSAGE_ID"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
      '  pf_set_output_property seen-key "${PF_MESSAGE_KEY-<none>}"',
      '  pf_set_output_property seen-a "$(pf_get_property a)"',
      '  pf_set_output_property seen-count "$PF_MESSAGE_REDELIVERY_COUNT"',
      '  pf_payload | pf_reply',
      'done',
    ].join('\n');
    const bytesScript = script('st-bytes', body);
    await startInstance({
      env: { ...streamEnv(bytesScript, input, output, 'length-prefixed'), PF_TRIM_TRAILING_NEWLINE: 'false' },
    });
    const singles = Array.from({ length: 256 }, (_, b) => Buffer.from([b]));
    const produced = await produce(input, [
      { payload: allBytes, key: 'key with spaces\n%20\\', properties: { a: 'x y "z"', n: 'all' } },
      ...singles.map((payload, b) => ({ payload, key: `b-${b}`, properties: { n: String(b) } })),
    ]);
    const received = await consume(output, { count: 257, timeoutMs: 120_000 });
    const byN = new Map(received.map((m) => [m.properties.n, m]));
    const whole = byN.get('all');
    assert.ok(whole?.payload.equals(allBytes), 'all 256 values in one message');
    assert.equal(whole?.properties['seen-key'], 'key with spaces\n%20\\');
    assert.equal(whole?.properties['seen-a'], 'x y "z"');
    assert.equal(whole?.properties['seen-count'], '0');
    assert.equal(whole?.properties['seen-id'], `${produced[0]!.ledgerId}:${produced[0]!.entryId}:-1:-1`);
    for (let b = 0; b < 256; b++) {
      const got = byN.get(String(b));
      assert.ok(got?.payload.equals(singles[b]!), `byte ${b}`);
      assert.equal(got?.properties['seen-key'], `b-${b}`);
    }
  });
});

describe('stream mode faults', () => {
  test('a script exiting after every 100 messages loses nothing', async (t) => {
    const input = uniqueTopic('st-exit-in');
    const output = uniqueTopic('st-exit-out');
    const exiting = script(
      'st-exit100',
      'n=0\nwhile IFS= read -r line; do printf "%s\\n" "$line"; ((++n == 100)) && exit 1; done',
    );
    const instance = await startInstance({
      env: {
        ...streamEnv(exiting, input, output, 'lines'),
        PF_CONCURRENCY: '2',
        PF_NEGATIVE_ACK_DELAY_MS: '200',
        // The message in flight when a process exits 1 is charged a failure: room for a few unlucky ones.
        PF_MAX_MESSAGE_RETRIES: '10',
      },
    });
    const COUNT = 2000;
    await produceUnbatched(input, COUNT);
    await waitAllAcknowledged(input, exiting, 120_000);
    const received = await consume(output, { count: COUNT + 1, idleTimeoutMs: 3000, timeoutMs: 120_000 });
    const payloads = received.map((m) => m.payload.toString());
    const distinct = new Set(payloads);
    // At-least-once: a crash may repeat a message (reported), never lose one (asserted).
    t.diagnostic(
      `outputs: ${payloads.length}, distinct: ${distinct.size}, duplicates: ${payloads.length - distinct.size}`,
    );
    assert.equal(distinct.size, COUNT, 'every input has an output');
    const restarts = instance.logs.filter((l) => typeof l.msg === 'string' && /restarting in/.test(l.msg));
    assert.ok(restarts.length >= COUNT / 100 - 2, `restarts logged: ${restarts.length}`);
    const numRestarts = await restartsInStatus(instance);
    assert.ok(numRestarts >= COUNT / 100 - 2, `/status numRestarts: ${numRestarts}`);
  });

  test('a script stalling on one message: timeout, restart, retries, then the dead-letter topic', async () => {
    const input = uniqueTopic('st-stall-in');
    const output = uniqueTopic('st-stall-out');
    const stalling = script(
      'st-stall',
      'while IFS= read -r line; do [[ $line == stall ]] && sleep 600; printf "%s\\n" "$line"; done',
    );
    const instance = await startInstance({
      env: {
        ...streamEnv(stalling, input, output, 'lines'),
        PF_TIMEOUT_MS: '1500',
        PF_KILL_GRACE_MS: '500',
        PF_MAX_MESSAGE_RETRIES: '2',
        PF_NEGATIVE_ACK_DELAY_MS: '200',
        PF_CONCURRENCY: '1',
      },
    });
    const payloads = ['a', 'b', 'stall', 'c', 'd', 'e'];
    await produce(
      input,
      payloads.map((payload) => ({ payload, key: payload })),
    );
    const received = await consume(output, { count: 5, timeoutMs: 120_000 });
    assert.deepEqual(received.map((m) => m.payload.toString()).sort(), ['a', 'b', 'c', 'd', 'e']);
    const [letter] = await consume(deadLetterTopic(input, stalling), { count: 1, timeoutMs: 120_000 });
    assert.equal(letter?.payload.toString(), 'stall');
    assert.equal(letter?.properties['pf-bash.failure'], 'timeout');
    assert.equal(letter?.properties['pf-bash.redelivery-count'], '2');
    await waitAllAcknowledged(input, stalling);
    const timeouts = instance.logs.filter((l) => l.failure === 'timeout' && l.attempt !== undefined);
    assert.equal(timeouts.length, 3, 'the first run and two retries timed out');
    assert.ok(
      instance.logs.filter((l) => typeof l.msg === 'string' && /did not answer within/.test(l.msg)).length >=
        3,
    );
  });

  test('not ready while no script process is up', async () => {
    const input = uniqueTopic('st-down-in');
    const output = uniqueTopic('st-down-out');
    const broken = script('st-broken', 'exit 1');
    const instance = InstanceProcess.spawn({
      env: { ...streamEnv(broken, input, output, 'lines'), PF_STREAM_RESTART_BACKOFF_MS: '200' },
    });
    try {
      await instance.waitForLog('the instance running', (l) => l.msg === 'running');
      await waitFor('a failed start logged', () =>
        instance.logs.find(
          (l) => typeof l.msg === 'string' && /exited with code 1; restarting in/.test(l.msg),
        ),
      );
      const ready = await instance.get('/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { ready: false, reason: 'script-not-running' });
      assert.equal((await instance.get('/healthz')).status, 200, 'alive all the same');
      assert.ok((await restartsInStatus(instance)) >= 1, 'each start after the first is a restart');
    } finally {
      await instance.stop();
    }
  });
});

test('stream mode keeps per-key order with several processes (Key_Shared)', async () => {
  const input = uniqueTopic('st-order-in');
  const output = uniqueTopic('st-order-out');
  // A random pause per message (a sleep started by the loop), so keys overtake one another.
  const body = 'while IFS= read -r line; do sleep "0.0$((RANDOM % 3))"; printf "%s\\n" "$line"; done';
  const ordered = script('st-ordered', body);
  await startInstance({
    env: {
      ...streamEnv(ordered, input, output, 'lines'),
      PF_RETAIN_KEY_ORDERING: 'true',
      PF_CONCURRENCY: '3',
    },
  });
  const KEYS = 8;
  const PER_KEY = 25;
  const specs = [];
  for (let i = 0; i < PER_KEY; i++) {
    for (let k = 0; k < KEYS; k++) specs.push({ payload: `${k}:${i}`, key: `key-${k}` });
  }
  await produce(input, specs);
  const received = await consume(output, { count: specs.length, timeoutMs: 120_000 });
  const perKey = new Map<string, number[]>();
  for (const m of received) {
    const [k, i] = m.payload.toString().split(':');
    assert.equal(m.key, `key-${k}`);
    perKey.set(k!, [...(perKey.get(k!) ?? []), Number(i)]);
  }
  assert.equal(perKey.size, KEYS);
  for (const [k, seq] of perKey) assert.deepEqual(seq, [...Array(PER_KEY).keys()], `key ${k} out of order`);
});

test('SIGTERM mid-stream: drains, closes stdin, nothing lost or duplicated across two instances', async () => {
  const input = uniqueTopic('st-term-in');
  const output = uniqueTopic('st-term-out');
  const marker = scratch('ended');
  const slowish = script(
    'st-slowish',
    `while IFS= read -r line; do sleep 0.005; printf "%s\\n" "$line"; done\necho "$$" >>${JSON.stringify(marker)}`,
  );
  const env = { ...streamEnv(slowish, input, output, 'lines'), PF_CONCURRENCY: '2', PF_STREAM_PIPELINE: '8' };
  const first = await startInstance({ env });
  const COUNT = 2000;
  await produceUnbatched(input, COUNT);
  await waitFor('a few hundred messages processed', async () => {
    const text = await first.get('/metrics');
    const match = /^pulsar_function_processed_successfully_total\{[^}]*\} (\d+)/m.exec(text.body);
    return match !== null && Number(match[1]) >= 300;
  });
  const exit = await first.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, first.describe());
  assert.equal(first.logs.find((l) => l.msg === 'stopped')?.drained, true);
  assert.equal(readFileSync(marker, 'utf8').trim().split('\n').length, 2, 'both scripts saw their input end');

  await startInstance({ env });
  await waitAllAcknowledged(input, slowish, 120_000);
  const received = await consume(output, { count: COUNT + 1, idleTimeoutMs: 3000, timeoutMs: 120_000 });
  const payloads = received.map((m) => m.payload.toString('hex'));
  assert.equal(new Set(payloads).size, payloads.length, 'an output came twice');
  assert.equal(payloads.length, COUNT);
});
