// Backpressure: with 100,000 messages (100 MB) waiting and a script far slower than the broker, the instance holds
// at most PF_MAX_PENDING messages, the broker has delivered it at most that plus the receiver queue, and memory
// stays flat. The instance runs with a 64 MB heap: V8 then collects instead of growing the heap lazily, so the
// resident size follows what is live — and an instance that pulled the backlog in would die of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { admin } from '../../support/admin.ts';
import { uniqueTopic, waitFor } from '../../support/env.ts';
import type { InstanceProcess } from '../../support/instance.ts';
import { baseEnv, functionNameOf, produceMany, script, startInstance } from './helpers.ts';

const BACKLOG = 100_000;
const MAX_PENDING = 4;
/** The producer batches; the broker counts a permit per message but pushes whole batch entries. */
const BATCH = 10;

function rssBytes(instance: InstanceProcess): number {
  const status = readFileSync(`/proc/${instance.child.pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return Number(kb?.[1] ?? 0) * 1024;
}

async function metric(instance: InstanceProcess, name: string): Promise<number> {
  const { body } = await instance.get('/metrics');
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(body);
  return Number(match?.[1] ?? Number.NaN);
}

interface ConsumerStats {
  unackedMessages?: number;
}

test('a 100,000-message backlog and a slow script: bounded prefetch, flat memory', async () => {
  const input = uniqueTopic('rt-backlog-in');
  await produceMany(input, BACKLOG, ['--size', '1024', '--batch-max-messages', String(BATCH)]);
  const slow = script('slow', 'cat >/dev/null');
  const instance = await startInstance({
    env: {
      ...baseEnv(slow, input),
      PF_CONCURRENCY: '2',
      PF_MAX_PENDING: String(MAX_PENDING),
      NODE_OPTIONS: '--max-old-space-size=64',
    },
  });
  const subscription = `public/default/${functionNameOf(slow)}`;
  const processed = () => metric(instance, 'pulsar_function_processed_successfully_total');
  await waitFor('warm-up', async () => (await processed()) >= 1000, { timeoutMs: 300_000 });
  const rssBefore = rssBytes(instance);
  let peakHeld = 0;
  let peakUnacked = 0;
  const start = await processed();
  await waitFor(
    '2,000 more messages',
    async () => {
      peakHeld = Math.max(peakHeld, await metric(instance, 'pf_bash_messages_held'));
      const stats = (await admin.stats(input)) as {
        subscriptions: Record<string, { consumers: ConsumerStats[] }>;
      };
      for (const consumer of stats.subscriptions[subscription]?.consumers ?? []) {
        peakUnacked = Math.max(peakUnacked, consumer.unackedMessages ?? 0);
      }
      return (await processed()) >= start + 2000;
    },
    { timeoutMs: 300_000, intervalMs: 200 },
  );
  const rssAfter = rssBytes(instance);
  assert.ok(peakHeld <= MAX_PENDING, `held ${peakHeld} > ${MAX_PENDING}`);
  // Delivered and not acknowledged: what the pool holds plus the receiver queue (sized to PF_MAX_PENDING), each
  // rounded up to whole batch entries.
  const bound = 2 * MAX_PENDING * BATCH;
  assert.ok(peakUnacked <= bound, `the broker pushed ${peakUnacked} unacknowledged messages (> ${bound})`);
  const growth = rssAfter - rssBefore;
  assert.ok(growth < 16 * 1024 * 1024, `RSS grew by ${Math.round(growth / 1024 / 1024)} MiB`);
  assert.deepEqual(await instance.stop(), { code: 0, signal: null });
  await admin.deleteTopic(input).catch(() => {});
});
