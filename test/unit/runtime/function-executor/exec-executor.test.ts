// The exec-mode executor against real bash: bytes in and out, the environment, exit codes, limits, killing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MAX_ARGUMENT_PAYLOAD_BYTES } from '../../../../src/runtime/function-executor/index.ts';
import {
  executorFor,
  invocation,
  isRunning,
  readWhenWritten,
  scratchDir,
  script,
  text,
  waitUntil,
} from './helpers.ts';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('exec mode: payload on stdin, output on stdout', () => {
  it('passes every byte value 0–255 through cat unchanged', async () => {
    const result = await executorFor('cat', { trimTrailingNewline: false }).run(
      invocation({ payload: allBytes }),
    );
    assert.equal(result.outcome, 'success', result.reason);
    assert.deepEqual(Buffer.from(result.output!.payload), Buffer.from(allBytes));
  });

  it('passes invalid UTF-8 unchanged', async () => {
    const payload = Uint8Array.from([0xc3, 0x28, 0xff, 0xfe, 0x80, 0xef, 0xbb, 0xbf, 0xed, 0xa0, 0x80]);
    const result = await executorFor('cat').run(invocation({ payload }));
    assert.deepEqual(Buffer.from(result.output!.payload), Buffer.from(payload));
  });

  it('passes a 5 MB payload through, up to the output limit exactly', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    payload[payload.length - 1] = 0x41; // not a newline, so nothing is trimmed
    const result = await executorFor('cat').run(invocation({ payload }));
    assert.equal(result.outcome, 'success', result.reason);
    assert.ok(Buffer.from(result.output!.payload).equals(payload));
  });

  it('gives an empty payload as empty stdin', async () => {
    const result = await executorFor('printf "%s" "$(wc -c)"').run(
      invocation({ payload: new Uint8Array(0) }),
    );
    assert.equal(text(result.output?.payload), '0');
  });

  it('filters the message when stdout is empty', async () => {
    const result = await executorFor('cat >/dev/null').run(invocation());
    assert.equal(result.outcome, 'success');
    assert.equal(result.output, undefined);
    assert.deepEqual(result.extraMessages, []);
  });

  it('is not disturbed by a script that never reads stdin (EPIPE)', async () => {
    const result = await executorFor('echo ignored-input').run(
      invocation({ payload: randomBytes(4 * 1024 * 1024) }),
    );
    assert.equal(result.outcome, 'success', result.reason);
    assert.equal(text(result.output?.payload), 'ignored-input');
  });

  it('removes exactly one trailing newline by default', async () => {
    const executor = executorFor('printf "a\\n\\n"');
    assert.equal(text((await executor.run(invocation())).output?.payload), 'a\n');
    const single = await executorFor('echo').run(invocation());
    assert.equal(single.output, undefined, 'a lone newline is an empty output: filtered');
  });

  it('keeps stdout byte-exact when trimTrailingNewline is off', async () => {
    const result = await executorFor('printf "a\\n\\n"', { trimTrailingNewline: false }).run(invocation());
    assert.equal(text(result.output?.payload), 'a\n\n');
  });

  it('runs the script with bash, not sh, in the script directory by default', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
    const file = script('printf "%s %s %s" "${BASH_VERSINFO[0]}" "$PWD" "$0"');
    const result = await executorFor({ file }).run(invocation());
    const [major, cwd, argv0] = text(result.output?.payload)!.split(' ');
    assert.ok(Number(major) >= 4);
    assert.equal(cwd, path.dirname(file));
    assert.equal(argv0, file);
  });

  it('gives each run an empty private TMPDIR, and removes what runs left there', async () => {
    const executor = executorFor(
      'ls -A "$TMPDIR"; stat -c %a "$TMPDIR"; echo data >"$TMPDIR/f-$PF_MESSAGE_ID"; printf %s "$TMPDIR"',
      { trimTrailingNewline: false },
    );
    const seen: string[] = [];
    for (const id of ['a', 'b', 'c']) {
      const result = await executor.run(invocation({ messageId: id }));
      const [mode, tmp] = text(result.output?.payload)!.split('\n');
      assert.equal(mode, '700', 'empty (ls printed nothing) and private');
      assert.match(path.basename(tmp!), /^pf-bash-/);
      assert.equal(existsSync(tmp!), false, 'a directory a run wrote to is removed');
      seen.push(tmp!);
    }
    assert.equal(new Set(seen).size, 3);
  });

  it('hands a TMPDIR a run left empty to a later run, and removes it on close', async () => {
    const executor = executorFor('printf %s "$TMPDIR"');
    const first = text((await executor.run(invocation())).output?.payload)!;
    const second = text((await executor.run(invocation())).output?.payload)!;
    assert.equal(second, first, 'reused: making and removing a directory per message costs on ext4');
    assert.equal(existsSync(first), true);
    await executor.close();
    assert.equal(existsSync(first), false);
  });

  it('runs concurrent invocations independently', async () => {
    const executor = executorFor('cat; printf " %s" "$PF_MESSAGE_ID"');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        executor.run(invocation({ payload: Buffer.from(`p${i}`), messageId: `id-${i}` })),
      ),
    );
    assert.deepEqual(
      results.map((result) => text(result.output?.payload)),
      results.map((_, i) => `p${i} id-${i}`),
    );
  });
});

describe('exec mode: the output message', () => {
  it('inherits the input key, properties and event time; the topic is the default', async () => {
    const result = await executorFor('cat').run(invocation());
    assert.deepEqual(
      { ...result.output, payload: text(result.output?.payload) },
      {
        topic: undefined,
        payload: 'hello',
        key: 'key-1',
        properties: { origin: 'test' },
        eventTime: 1_699_999_999_000,
      },
    );
  });

  it('does not forward properties when forwardSourceMessageProperty is off', async () => {
    const result = await executorFor('cat', { forwardSourceMessageProperty: false }).run(invocation());
    assert.deepEqual(result.output?.properties, {});
  });
});

describe('exec mode: environment and security', () => {
  it('describes the message and the instance in PF_* variables', async () => {
    const body = [
      'for v in PF_MESSAGE_ID PF_MESSAGE_KEY PF_MESSAGE_TOPIC PF_MESSAGE_PUBLISH_TIME PF_MESSAGE_EVENT_TIME \\',
      '  PF_MESSAGE_REDELIVERY_COUNT PF_MESSAGE_PROPERTIES PF_MESSAGE_SIZE PF_TENANT PF_NAMESPACE PF_NAME PF_FQFN \\',
      '  PF_INSTANCE_ID PF_NUM_INSTANCES PF_USER_CONFIG PF_INPUT_TOPICS PF_OUTPUT_TOPIC PF_CONTROL_FD PF_EXIT_PERMANENT; do',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
      '  printf "%s=%s\\n" "$v" "${!v-<unset>}"',
      'done',
    ].join('\n');
    const result = await executorFor(body, { trimTrailingNewline: false }).run(invocation());
    const env = Object.fromEntries(
      text(result.output?.payload)!
        .trimEnd()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(env, {
      PF_MESSAGE_ID: '12:34:-1:-1',
      PF_MESSAGE_KEY: 'key-1',
      PF_MESSAGE_TOPIC: 'persistent://public/default/in-a',
      PF_MESSAGE_PUBLISH_TIME: '1700000000000',
      PF_MESSAGE_EVENT_TIME: '1699999999000',
      PF_MESSAGE_REDELIVERY_COUNT: '2',
      PF_MESSAGE_PROPERTIES: '{"origin":"test"}',
      PF_MESSAGE_SIZE: '5',
      PF_TENANT: 'public',
      PF_NAMESPACE: 'default',
      PF_NAME: 'test-fn',
      PF_FQFN: 'public/default/test-fn',
      PF_INSTANCE_ID: '1',
      PF_NUM_INSTANCES: '3',
      PF_USER_CONFIG: '{"greeting":"hi","nested":{"n":1}}',
      PF_INPUT_TOPICS: 'persistent://public/default/in-a,persistent://public/default/in-b',
      PF_OUTPUT_TOPIC: 'persistent://public/default/out',
      PF_CONTROL_FD: '3',
      PF_EXIT_PERMANENT: '100',
    });
  });

  it('unsets PF_MESSAGE_KEY without a key, and gives a key with NUL as base64 only', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
    const body = 'printf "%s|%s" "${PF_MESSAGE_KEY-unset}" "${PF_MESSAGE_KEY_BASE64-unset}"';
    const executor = executorFor(body);
    assert.equal(text((await executor.run(invocation({ key: undefined }))).output?.payload), 'unset|unset');
    const nul = await executor.run(invocation({ key: 'a\0b' }));
    assert.equal(text(nul.output?.payload), `unset|${Buffer.from('a\0b').toString('base64')}`);
  });

  it('never evaluates payload, key or properties', async () => {
    const dir = scratchDir();
    const marker = (name: string) => path.join(dir, name);
    const attacks = (name: string) =>
      `$(touch ${marker(name)}) \`touch ${marker(`${name}-bt`)}\`; touch ${marker(`${name}-semi`)} ' " \n && touch ${marker(`${name}-and`)}`;
    const message = invocation({
      payload: Buffer.from(attacks('payload')),
      key: attacks('key'),
      properties: { [attacks('name')]: attacks('value') },
    });
    // A script that uses the values the ordinary way: echoed, compared, passed on as arguments.
    const body = [
      'payload=$(cat)',
      'echo "$payload" "$1" "$PF_MESSAGE_KEY" "$PF_MESSAGE_PROPERTIES" >/dev/null',
      '[[ $payload == "$1" ]]',
      'printf "%s\\0%s\\0%s" "$payload" "$PF_MESSAGE_KEY" "$PF_MESSAGE_PROPERTIES"',
    ].join('\n');
    const result = await executorFor(body, { payloadAsArgument: true }).run(message);
    assert.equal(result.outcome, 'success', result.reason);
    const [payload, key, properties] = text(result.output?.payload)!.split('\0');
    assert.equal(payload, attacks('payload'), 'the payload arrives verbatim');
    assert.equal(key, attacks('key'), 'the key arrives verbatim');
    assert.deepEqual(JSON.parse(properties!), message.properties, 'the properties arrive verbatim');
    for (const name of ['payload', 'key', 'name', 'value']) {
      for (const suffix of ['', '-bt', '-semi', '-and']) {
        assert.equal(existsSync(marker(`${name}${suffix}`)), false, `${name}${suffix} must not be created`);
      }
    }
  });

  it("does not show the runtime's secrets to the script", async () => {
    process.env.PF_AUTH_TOKEN = 'super-secret-token';
    process.env.PULSAR_TOKEN_FOR_TEST = 'another-secret';
    try {
      const result = await executorFor('env').run(invocation());
      const env = text(result.output?.payload)!;
      assert.ok(!env.includes('super-secret-token'));
      assert.ok(!env.includes('another-secret'));
      assert.match(env, /^PATH=/m);
    } finally {
      delete process.env.PF_AUTH_TOKEN;
      delete process.env.PULSAR_TOKEN_FOR_TEST;
    }
  });

  it('passes allow-listed and explicit variables', async () => {
    const executor = executorFor('printf "%s|%s" "$FROM_PARENT" "$EXPLICIT"', {
      parentEnv: { PATH: process.env.PATH, FROM_PARENT: 'p', OTHER: 'o' },
      passEnv: ['FROM_PARENT'],
      extraEnv: { EXPLICIT: 'e' },
    });
    assert.equal(text((await executor.run(invocation())).output?.payload), 'p|e');
  });

  it('refuses permanently a message whose metadata cannot be an environment variable', async () => {
    const result = await executorFor('cat').run(invocation({ properties: { big: 'x'.repeat(200_000) } }));
    assert.equal(result.outcome, 'permanent-failure');
    assert.equal(result.failureCode, 'metadata-not-passable');
    assert.match(result.reason!, /PF_MESSAGE_PROPERTIES/);
  });
});

describe('exec mode: payloadAsArgument ($1)', () => {
  it('passes the payload as $1 as well as on stdin', async () => {
    const result = await executorFor('printf "%s|%s" "$1" "$(cat)"', { payloadAsArgument: true }).run(
      invocation({ payload: Buffer.from('héllo wörld $(x)') }),
    );
    assert.equal(text(result.output?.payload), 'héllo wörld $(x)|héllo wörld $(x)');
  });

  it('takes a payload of the largest size an argument holds', async () => {
    const payload = Buffer.alloc(MAX_ARGUMENT_PAYLOAD_BYTES, 'a');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
    const result = await executorFor('printf %s "${#1}"', { payloadAsArgument: true }).run(
      invocation({ payload }),
    );
    assert.equal(text(result.output?.payload), String(MAX_ARGUMENT_PAYLOAD_BYTES));
  });

  const refused: Array<[string, Uint8Array, RegExp]> = [
    ['a NUL byte', Buffer.from('a\0b'), /NUL byte/],
    [
      'more bytes than an argument holds',
      Buffer.alloc(MAX_ARGUMENT_PAYLOAD_BYTES + 1, 'a'),
      /at most 131071/,
    ],
    ['invalid UTF-8', Uint8Array.from([0xff]), /not valid UTF-8/],
  ];
  for (const [what, payload, reason] of refused) {
    it(`fails permanently on ${what}`, async () => {
      const result = await executorFor('cat', { payloadAsArgument: true }).run(invocation({ payload }));
      assert.equal(result.outcome, 'permanent-failure');
      assert.equal(result.failureCode, 'payload-not-passable');
      assert.match(result.reason!, reason);
    });
  }
});

describe('exec mode: exit codes and stderr', () => {
  it('exit 1 is a retriable failure carrying the stderr tail', async () => {
    const result = await executorFor(
      'echo "partial output"; echo "first" >&2; echo "it broke" >&2; exit 1',
    ).run(invocation());
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'exit-code');
    assert.equal(result.exitCode, 1);
    assert.equal(result.output, undefined, 'a failure publishes nothing');
    assert.equal(result.stderrTail, 'first\nit broke');
    assert.match(result.reason!, /exited with code 1/);
  });

  it('the permanent code sends the message to the dead-letter topic', async () => {
    const result = await executorFor('exit "$PF_EXIT_PERMANENT"').run(invocation());
    assert.equal(result.outcome, 'permanent-failure');
    assert.equal(result.failureCode, 'permanent-exit-code');
    assert.equal(result.exitCode, 100);
  });

  it('the permanent code can be changed', async () => {
    const result = await executorFor('exit 42', { permanentExitCode: 42 }).run(invocation());
    assert.equal(result.outcome, 'permanent-failure');
  });

  it('reads an exit status above 128 as a signal, as a shell does', async () => {
    const result = await executorFor('exit 130').run(invocation());
    assert.equal(result.failureCode, 'signal');
    assert.equal(result.signal, 'SIGINT');
    assert.equal(result.exitCode, undefined);
    const high = await executorFor('exit 250').run(invocation());
    assert.equal(high.failureCode, 'exit-code', '250 - 128 is no signal');
    assert.equal(high.exitCode, 250);
  });

  it('a script killed by a signal fails (retriable)', async () => {
    const result = await executorFor('kill -SEGV $$').run(invocation());
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'signal');
    assert.equal(result.signal, 'SIGSEGV');
  });

  it('streams stderr lines to onStderrLine, with the invocation', async () => {
    const seen: string[] = [];
    const message = invocation();
    const executor = executorFor('echo one >&2; printf "two\\nthree" >&2', {
      onStderrLine: (line, inv) => {
        assert.equal(inv, message);
        seen.push(line);
      },
    });
    const result = await executor.run(message);
    assert.equal(result.outcome, 'success');
    assert.deepEqual(seen, ['one', 'two', 'three']);
  });

  it('keeps memory bounded when a script floods stderr', async () => {
    let forwarded = 0;
    const executor = executorFor('head -c 20000000 /dev/zero | tr "\\0" x | fold -w 100 >&2; echo done', {
      onStderrLine: () => forwarded++,
    });
    const result = await executor.run(invocation());
    assert.equal(result.outcome, 'success');
    assert.equal(forwarded, 1001, '1000 lines and one notice');
    assert.ok(Buffer.byteLength(result.stderrTail) <= 4096 + 3);
    assert.ok(result.stderrTail.split('\n').length <= 20);
  });
});

describe('exec mode: the launchers', () => {
  it('runs many messages through one launcher, across its batches of FIFOs', async () => {
    const executor = executorFor('cat; printf " %s" "$PF_MESSAGE_ID"');
    for (let i = 0; i < 150; i++) {
      const result = await executor.run(invocation({ payload: Buffer.from(`p${i}`), messageId: `m${i}` }));
      assert.equal(text(result.output?.payload), `p${i} m${i}`);
    }
    await executor.close();
  });

  it('the script sees the environment it would see if the instance started it directly', async () => {
    const result = await executorFor('env -0 | sort -z | tr "\\0" "\\n"; printf "SHLVL:%s" "$SHLVL"', {
      parentEnv: { PATH: process.env.PATH, HOME: '/home/x', LANG: 'C.UTF-8' },
      tmpRoot: null,
    }).run(invocation({ key: undefined, eventTime: undefined }));
    const lines = text(result.output?.payload)!.split('\n');
    const names = lines.slice(0, -1).map((line) => line.slice(0, line.indexOf('=')));
    assert.deepEqual(
      names.filter((name) => !name.startsWith('PF_')),
      ['HOME', 'LANG', 'PATH', 'PWD', 'SHLVL', '_'],
      'the base set, and what bash itself adds for its children',
    );
    assert.equal(lines.at(-1), 'SHLVL:1');
  });

  it('runs the script with SIGPIPE at its default action, as a directly started bash would', async () => {
    // Ignored, `yes` would see EPIPE and exit 1 instead of dying of SIGPIPE (141).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
    const result = await executorFor('yes | head -n 1 >/dev/null; printf %s "${PIPESTATUS[0]}"').run(
      invocation(),
    );
    assert.equal(text(result.output?.payload), '141');
  });

  it('a launcher that dies under a run fails that run; the next run gets a new launcher', async () => {
    const executor = executorFor(
      'if [[ $PF_MESSAGE_ID == kill ]]; then kill -KILL "$PPID"; sleep 5; fi; cat',
    );
    assert.equal(text((await executor.run(invocation())).output?.payload), 'hello');
    const killed = await executor.run(invocation({ messageId: 'kill' }));
    assert.equal(killed.outcome, 'failure');
    assert.equal(killed.failureCode, 'spawn-failed');
    assert.match(killed.reason!, /exec launcher exited \(SIGKILL\)/);
    assert.equal(text((await executor.run(invocation())).output?.payload), 'hello');
    await executor.close();
  });

  it('refuses permanently arguments and environment larger than exec allows (E2BIG), without running', async () => {
    const dir = scratchDir();
    const big = 'x'.repeat(120_000);
    const extraEnv = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`BIG_${i}`, big]));
    const result = await executorFor(`touch ${dir}/ran`, { extraEnv }).run(invocation());
    assert.equal(result.outcome, 'permanent-failure');
    assert.equal(result.failureCode, 'metadata-not-passable');
    assert.match(result.reason!, /E2BIG/);
    assert.equal(existsSync(path.join(dir, 'ran')), false);
  });

  it('leaves no launcher running after close', async () => {
    const executor = executorFor('cat');
    await Promise.all([executor.run(invocation()), executor.run(invocation())]);
    await executor.close();
    const result = await executor.run(invocation());
    assert.equal(result.failureCode, 'spawn-failed', 'a closed executor runs nothing');
  });
});

describe('exec mode: limits', () => {
  it('kills a script whose stdout goes over maxOutputBytes', async () => {
    const result = await executorFor('yes', { maxOutputBytes: 1024 * 1024, timeoutMs: null }).run(
      invocation(),
    );
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'output-too-large');
    assert.equal(result.timedOut, false);
    assert.match(result.reason!, /maxOutputBytes \(1048576 bytes\)/);
  });

  it('allows an output of exactly maxOutputBytes plus the trimmed newline, not one byte more', async () => {
    const fits = await executorFor('printf "%s\\n" 1234', { maxOutputBytes: 4 }).run(invocation());
    assert.equal(text(fits.output?.payload), '1234');
    const over = await executorFor('printf 12345', { maxOutputBytes: 4 }).run(invocation());
    assert.equal(over.failureCode, 'output-too-large');
  });
});

describe('exec mode: timeout and abort kill the whole process group', () => {
  it('on timeout, kills the script and the child it started', async () => {
    const pidFile = path.join(scratchDir(), 'child.pid');
    const executor = executorFor(`sleep 1000 & echo $! >${pidFile}; wait`, {
      timeoutMs: 300,
      killGraceMs: 5000,
    });
    const result = await executor.run(invocation());
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'timeout');
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGTERM');
    const child = Number(await readWhenWritten(pidFile));
    await waitUntil(`the child sleep ${child} is gone`, () => !isRunning(child));
  });

  it('escalates to SIGKILL when the script and its child ignore SIGTERM', async () => {
    const pidFile = path.join(scratchDir(), 'child.pid');
    const body = `trap "" TERM; sleep 1000 & echo $! >${pidFile}; while :; do wait; done`;
    const result = await executorFor(body, { timeoutMs: 300, killGraceMs: 200 }).run(invocation());
    assert.equal(result.failureCode, 'timeout');
    assert.equal(result.signal, 'SIGKILL');
    const child = Number(await readWhenWritten(pidFile));
    await waitUntil(`the child sleep ${child} is gone`, () => !isRunning(child));
  });

  it('kills background processes left behind by a script that exits', async () => {
    const pidFile = path.join(scratchDir(), 'child.pid');
    const body = `sleep 1000 >/dev/null 2>&1 3>&- & echo $! >${pidFile}; echo ok`;
    const result = await executorFor(body, { timeoutMs: null }).run(invocation());
    assert.equal(result.outcome, 'success');
    const child = Number(await readWhenWritten(pidFile));
    await waitUntil(`the background sleep ${child} is gone`, () => !isRunning(child));
  });

  it('settles after the grace period when a process that left the group keeps the pipes open', async (t) => {
    const pidFile = path.join(scratchDir(), 'child.pid');
    // setsid moves sleep out of the group, so the group kill misses it and it holds stdout, stderr and fd 3.
    const body = `setsid sleep 30 & echo $! >${pidFile}; echo ok`;
    const run = executorFor(body, { timeoutMs: null, killGraceMs: 100 }).run(invocation());
    const child = Number(await readWhenWritten(pidFile));
    t.after(() => {
      try {
        process.kill(child, 'SIGKILL');
      } catch {}
    });
    const result = await settlesWithin(run, 20_000);
    assert.equal(result.outcome, 'success', result.reason);
    assert.equal(text(result.output?.payload), 'ok');
  });

  it('does not hand the TMPDIR of a run whose escaped process held its streams to a later run', async (t) => {
    const pidFile = path.join(scratchDir(), 'child.pid');
    // The pid is written after setsid, and the script waits for it: the group kill at exit cannot catch the
    // child before it escaped.
    const body = [
      'if [[ $PF_MESSAGE_ID == escape ]]; then',
      `  setsid bash -c 'echo $$ >${pidFile}; exec sleep 30' &`,
      `  until [[ -s ${pidFile} ]]; do sleep 0.01; done`,
      'fi',
      'printf %s "$TMPDIR"',
    ].join('\n');
    const executor = executorFor(body, { timeoutMs: null, killGraceMs: 100 });
    const escaped = executor.run(invocation({ messageId: 'escape' }));
    const child = Number(await readWhenWritten(pidFile));
    t.after(() => {
      try {
        process.kill(child, 'SIGKILL');
      } catch {}
    });
    const first = text((await settlesWithin(escaped, 20_000)).output?.payload);
    const second = text((await executor.run(invocation())).output?.payload);
    assert.notEqual(second, first, 'the escaped process may still write in the first one');
    await executor.close();
  });

  it('kills the group when the AbortSignal fires', async () => {
    const pidFile = path.join(scratchDir(), 'child.pid');
    const controller = new AbortController();
    const executor = executorFor(`sleep 1000 & echo $! >${pidFile}; echo started >&2; wait`, {
      timeoutMs: null,
      onStderrLine: (line) => {
        if (line === 'started') controller.abort();
      },
    });
    const result = await executor.run(invocation(), controller.signal);
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'aborted');
    assert.equal(result.aborted, true);
    const child = Number(await readWhenWritten(pidFile));
    await waitUntil(`the child sleep ${child} is gone`, () => !isRunning(child));
  });

  it('does not start the script when already aborted', async () => {
    const dir = scratchDir();
    const result = await executorFor(`touch ${dir}/ran`).run(invocation(), AbortSignal.abort());
    assert.equal(result.failureCode, 'aborted');
    assert.equal(existsSync(path.join(dir, 'ran')), false);
  });
});

/** `promise`, or a rejection after a generous bound: a hang fails the test instead of stalling the run. */
async function settlesWithin<T>(promise: Promise<T>, boundMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${boundMs} ms`)), boundMs);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
