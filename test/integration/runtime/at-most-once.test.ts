// ATMOST_ONCE acknowledges before the script runs: a message whose instance dies mid-run is not seen again, and
// a failure is not retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueTopic } from '../../support/env.ts';
import { baseEnv, consume, produce, script, startInstance, waitAllAcknowledged } from './helpers.ts';

test('acknowledged on receipt: killed mid-run, failed or not, never run again', async () => {
  const input = uniqueTopic('rt-amo-in');
  const output = uniqueTopic('rt-amo-out');
  const body = `payload=$(cat)
echo "got $payload" >&2
case $payload in
  hang) sleep 600 ;;
  fail) exit 1 ;;
esac
printf '%s' "$payload"`;
  const amo = script('amo', body);
  const env = {
    ...baseEnv(amo, input, output),
    PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE',
    PF_CONCURRENCY: '1',
    PF_MAX_PENDING: '1',
  };
  const first = await startInstance({ env });
  await produce(input, [{ payload: 'fail' }, { payload: 'hang' }]);
  await first.waitForLog('the hanging run', (l) => l.msg === 'got hang');
  // Acknowledged while its script still runs.
  await waitAllAcknowledged(input, amo);
  assert.ok(first.logs.some((l) => l.msg === 'got fail'));
  await first.kill();

  const second = await startInstance({ env });
  await produce(input, [{ payload: 'marker' }]);
  const outputs = await consume(output, { count: 1 });
  assert.deepEqual(
    outputs.map((m) => m.payload.toString()),
    ['marker'],
  );
  assert.deepEqual(
    second.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('got ')).map((l) => l.msg),
    ['got marker'],
  );
  assert.equal(first.logs.filter((l) => l.msg === 'got fail').length, 1, 'a failure is not retried');
});
