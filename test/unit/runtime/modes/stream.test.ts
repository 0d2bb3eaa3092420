// Stream mode as the instance builds it: the executor from the configuration, its pool size, its log lines.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../../../src/runtime/config/index.ts';
import type { Invocation } from '../../../../src/runtime/function-executor/index.ts';
import { functionInstanceOf } from '../../../../src/runtime/modes/function-instance.ts';
import { runningLimit, scriptRestarts, streamExecutorFor } from '../../../../src/runtime/modes/stream.ts';
import { waitUntil } from '../function-executor/helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pf-modes-'));
const scriptPath = path.join(dir, 'echo.sh');
// biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
writeFileSync(scriptPath, 'echo started >&2\nwhile IFS= read -r line; do printf "%s\\n" "${line^^}"; done\n');
/** Answers one message, then exits: every message after the first needs a restart. */
const oneShotPath = path.join(dir, 'one-shot.sh');
writeFileSync(oneShotPath, 'IFS= read -r line && printf "%s\\n" "$line"\n');

function configOf(env: Record<string, string>) {
  const loaded = loadConfig({ PF_SCRIPT: scriptPath, PF_INPUTS: 'in', PF_OUTPUT: 'out', ...env }, (file) =>
    file === scriptPath || file === oneShotPath ? 'script' : undefined,
  );
  assert.ok(loaded.ok);
  return loaded.config;
}

/** A pino logger whose lines are kept as objects. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('stream mode wiring', () => {
  it('runs processes × pipeline messages at once in stream mode, one per script in exec mode', () => {
    assert.equal(runningLimit(configOf({ PF_CONCURRENCY: '3' })), 3);
    assert.equal(
      runningLimit(configOf({ PF_MODE: 'stream', PF_CONCURRENCY: '3', PF_STREAM_PIPELINE: '8' })),
      24,
    );
  });

  it('gives the script the function instance of the configuration', () => {
    const config = configOf({ PF_TENANT: 'acme', PF_NAME: 'up', PF_USER_CONFIG: '{"a":1}' });
    assert.deepEqual(functionInstanceOf(config), {
      tenant: 'acme',
      namespace: 'default',
      name: 'up',
      instanceId: 0,
      numInstances: 1,
      inputTopics: ['persistent://public/default/in'],
      topicsPattern: null,
      outputTopic: 'persistent://public/default/out',
      userConfig: { a: 1 },
    });
  });

  it('builds an executor from the configuration and logs its processes and stderr', async () => {
    const { logger, lines } = capturingLogger();
    const config = configOf({ PF_MODE: 'stream', PF_CONCURRENCY: '2' });
    const executor = streamExecutorFor(config, logger);
    try {
      assert.equal(executor.pids.length, 2);
      const result = await executor.run(invocation('hi'));
      assert.equal(Buffer.from(result.output!.payload).toString(), 'HI');
      await waitUntil('stderr logged', () => lines.some((l) => l.msg === 'started' && l.source === 'stderr'));
      assert.equal(lines.filter((l) => l.msg === 'script process started').length, 2);
    } finally {
      await executor.close();
    }
    assert.ok(
      !lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('no script process')),
      'closing is not an outage',
    );
  });

  it('counts the restarts of script processes as numRestarts of the status document; exec mode has none', async () => {
    const config = configOf({ PF_MODE: 'stream', PF_SCRIPT: oneShotPath, PF_CONCURRENCY: '1' });
    const executor = streamExecutorFor(config, capturingLogger().logger);
    try {
      assert.equal(scriptRestarts(executor), 0);
      for (const payload of ['a', 'b', 'c']) {
        assert.equal(
          Buffer.from((await executor.run(invocation(payload))).output!.payload).toString(),
          payload,
        );
      }
      // The third process is up: two restarts, whatever the fourth one's state.
      assert.ok(scriptRestarts(executor) >= 2, `restarts: ${scriptRestarts(executor)}`);
      assert.equal(scriptRestarts(executor), executor.restarts);
    } finally {
      await executor.close();
    }
    assert.equal(scriptRestarts({ run: async () => assert.fail('not run') }), 0);
    assert.equal(scriptRestarts(undefined), 0);
  });

  it('refuses a configuration in exec mode', () => {
    assert.throws(() => streamExecutorFor(configOf({}), capturingLogger().logger), /PF_MODE=stream/);
  });
});

function invocation(payload: string): Invocation {
  return {
    payload: Buffer.from(payload),
    messageId: '1:2:-1:-1',
    key: undefined,
    topic: 'persistent://public/default/in',
    publishTime: 1,
    eventTime: undefined,
    redeliveryCount: 0,
    properties: {},
  };
}
