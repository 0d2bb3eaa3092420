// PF_MODE=stream and its settings: defaults, problems, warnings, and what stream mode changes elsewhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASE, configOf, problemsOf, warningsOf } from './support.ts';

const STREAM = { ...BASE, PF_MODE: 'stream' };

describe('stream mode settings', () => {
  it('has no stream settings in exec mode', () => {
    assert.equal(configOf(BASE).stream, null);
  });

  it('fills the defaults: lines codec, pipeline 16, restarts after 100 ms doubling to 10 s', () => {
    assert.deepEqual(configOf(STREAM).stream, {
      codec: 'lines',
      pipeline: 16,
      restartBackoffMs: 100,
      restartBackoffMaxMs: 10_000,
    });
    assert.deepEqual(warningsOf(STREAM), []);
  });

  it('reads every setting, enumerations in any case', () => {
    const config = configOf({
      ...STREAM,
      PF_MODE: 'STREAM',
      PF_STREAM_CODEC: 'Length_Prefixed',
      PF_STREAM_PIPELINE: '1',
      PF_STREAM_RESTART_BACKOFF_MS: '50',
      PF_STREAM_RESTART_BACKOFF_MAX_MS: '50',
    });
    assert.equal(config.mode, 'stream');
    assert.deepEqual(config.stream, {
      codec: 'length-prefixed',
      pipeline: 1,
      restartBackoffMs: 50,
      restartBackoffMaxMs: 50,
    });
  });

  it('raises the default cap to an initial delay above it', () => {
    assert.equal(
      configOf({ ...STREAM, PF_STREAM_RESTART_BACKOFF_MS: '20000' }).stream?.restartBackoffMaxMs,
      20_000,
    );
  });

  it('holds 2 × concurrency × pipeline messages, plus 256 being published, by default', () => {
    assert.deepEqual(configOf({ ...STREAM, PF_CONCURRENCY: '3', PF_STREAM_PIPELINE: '4' }).pool, {
      concurrency: 3,
      maxPending: 24 + 256,
    });
    assert.equal(configOf({ ...STREAM, PF_CONCURRENCY: '3', PF_MAX_PENDING: '3' }).pool.maxPending, 3);
  });

  const problems: Array<[string, Record<string, string>, string]> = [
    [
      'an unknown codec',
      { PF_STREAM_CODEC: 'json' },
      'PF_STREAM_CODEC=json: expected lines or length-prefixed',
    ],
    [
      'a pipeline of 0',
      { PF_STREAM_PIPELINE: '0' },
      'PF_STREAM_PIPELINE=0: expected an integer from 1 to 1024',
    ],
    [
      'a pipeline too deep',
      { PF_STREAM_PIPELINE: '5000' },
      'PF_STREAM_PIPELINE=5000: expected an integer from 1 to 1024',
    ],
    [
      'a zero backoff',
      { PF_STREAM_RESTART_BACKOFF_MS: '0' },
      'PF_STREAM_RESTART_BACKOFF_MS=0: expected an integer from 1 to 2147483647',
    ],
    [
      'a cap below the initial delay',
      { PF_STREAM_RESTART_BACKOFF_MS: '500', PF_STREAM_RESTART_BACKOFF_MAX_MS: '100' },
      'PF_STREAM_RESTART_BACKOFF_MAX_MS=100: expected at least PF_STREAM_RESTART_BACKOFF_MS=500',
    ],
    [
      'the payload as $1',
      { PF_SCRIPT_ARGV_PAYLOAD: 'true' },
      'PF_SCRIPT_ARGV_PAYLOAD=true: expected false with PF_MODE=stream: a running script cannot be given a new $1 per message',
    ],
  ];
  for (const [what, env, line] of problems) {
    it(`reports ${what}`, () => assert.deepEqual(problemsOf({ ...STREAM, ...env }), [line]));
  }

  it('warns about stream settings given in exec mode', () => {
    assert.deepEqual(warningsOf({ ...BASE, PF_STREAM_CODEC: 'lines', PF_STREAM_PIPELINE: '4' }), [
      'PF_STREAM_CODEC=lines: ignored: it applies only with PF_MODE=stream',
      'PF_STREAM_PIPELINE=4: ignored: it applies only with PF_MODE=stream',
    ]);
  });
});
