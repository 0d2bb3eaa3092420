// scripts/lib/pf-function.sh through the exec-mode executor: routing, extra messages, logging, properties.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { HELPER_LIBRARY_PATH, type ScriptLogLevel } from '../../../../src/runtime/function-executor/index.ts';
import { executorFor, invocation, text } from './helpers.ts';

const withLib = (body: string) => `set -euo pipefail\nsource "$PF_LIB"\n${body}`;

describe('helper library: routing the output', () => {
  it('sets the output topic, key and properties; stdout stays the payload', async () => {
    const body = withLib(
      [
        'pf_set_output_topic "persistent://public/default/routed"',
        `pf_set_output_key $'new key\\n$(not run)'`,
        'pf_set_output_property "größe" "ünïcödé \\"quoted\\""',
        'pf_set_output_property origin replaced',
        'cat',
      ].join('\n'),
    );
    const result = await executorFor(body).run(invocation());
    assert.equal(result.outcome, 'success', result.reason);
    assert.deepEqual(result.output, {
      topic: 'persistent://public/default/routed',
      payload: Buffer.from('hello'),
      key: 'new key\n$(not run)',
      properties: { origin: 'replaced', größe: 'ünïcödé "quoted"' },
      eventTime: 1_699_999_999_000,
    });
  });

  it('clears the inherited key and properties', async () => {
    const body = withLib(
      'pf_clear_output_key; pf_clear_output_properties; pf_set_output_property only one; cat',
    );
    const result = await executorFor(body).run(invocation());
    assert.equal(result.output?.key, undefined);
    assert.deepEqual(result.output?.properties, { only: 'one' });
  });

  it('keeps working when the script reuses fd 3 after sourcing', async () => {
    const body = withLib('exec 3>/dev/null; pf_set_output_topic t-after-fd3; cat');
    const result = await executorFor(body).run(invocation());
    assert.equal(result.output?.topic, 't-after-fd3');
  });

  it('reaches the channel from a script the function runs', async () => {
    const body = withLib(`bash -c 'source "$PF_LIB"; pf_set_output_key from-child'; cat`);
    const result = await executorFor(body).run(invocation());
    assert.equal(result.output?.key, 'from-child');
  });
});

describe('helper library: extra messages', () => {
  it('publishes any bytes from stdin, a file or text, with key and properties', async () => {
    const body = withLib(
      [
        `printf 'a\\0b\\377\\n' | pf_publish t-stdin --key k1 --property p1 v1 --property p2 ''`,
        `head -c 256 /dev/zero >"$TMPDIR/zeros"; pf_publish t-file --file "$TMPDIR/zeros"`,
        `pf_publish t-text --data 'héllo, "world"' --key ''`,
        `pf_publish t-empty --data ''`,
        'echo main',
      ].join('\n'),
    );
    const result = await executorFor(body).run(invocation());
    assert.equal(result.outcome, 'success', result.reason);
    assert.equal(text(result.output?.payload), 'main');
    assert.deepEqual(
      result.extraMessages.map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('hex') })),
      [
        { topic: 't-stdin', payload: '610062ff0a', key: 'k1', properties: { p1: 'v1', p2: '' } },
        { topic: 't-file', payload: '00'.repeat(256), key: undefined, properties: {} },
        { topic: 't-text', payload: Buffer.from('héllo, "world"').toString('hex'), key: '', properties: {} },
        { topic: 't-empty', payload: '', key: undefined, properties: {} },
      ],
    );
  });

  it('publishes every byte value and a large payload exactly', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const body = withLib('pf_publish t-all');
    const result = await executorFor(body).run(invocation({ payload: big }));
    assert.equal(result.outcome, 'success', result.reason);
    assert.ok(Buffer.from(result.extraMessages[0]!.payload).equals(big));
  });

  it('sends no extra messages when the script then fails', async () => {
    const result = await executorFor(withLib('pf_publish t --data x; exit 3')).run(invocation());
    assert.equal(result.outcome, 'failure');
    assert.deepEqual(result.extraMessages, []);
  });

  it('refuses bad usage without writing a record', async () => {
    const result = await executorFor(
      'source "$PF_LIB"; pf_publish; echo "$?"; pf_publish t --color red; echo "$?"; pf_set_output_topic ""; echo "$?"',
    ).run(invocation());
    assert.equal(result.outcome, 'success', result.reason);
    assert.equal(text(result.output?.payload), '2\n2\n2');
    assert.match(result.stderrTail, /usage: pf_publish TOPIC/);
  });
});

describe('helper library: the control channel is checked', () => {
  it('fails the message on a malformed record', async () => {
    const result = await executorFor('printf "not a record\\n" >&3; echo out').run(invocation());
    assert.equal(result.outcome, 'failure');
    assert.equal(result.failureCode, 'control-malformed');
    assert.match(result.reason!, /fd 3\).*record 1: expected a field length/);
    assert.equal(result.output, undefined);
  });

  it('fails the message on a record cut short', async () => {
    const result = await executorFor('printf "3:log,4:info," >&3; echo out').run(invocation());
    assert.equal(result.failureCode, 'control-malformed');
    assert.match(result.reason!, /ended inside a record/);
  });

  it('fails the message on an unknown record kind', async () => {
    const result = await executorFor('printf "5:shout,\\n" >&3').run(invocation());
    assert.equal(result.failureCode, 'control-malformed');
    assert.match(result.reason!, /unknown record kind 'shout'/);
  });

  it('bounds the channel: a field over maxOutputBytes, and the total over maxControlBytes', async () => {
    const field = await executorFor(withLib('head -c 2000 /dev/zero | pf_publish t'), {
      maxOutputBytes: 1000,
    }).run(invocation());
    assert.equal(field.failureCode, 'control-malformed');
    assert.match(field.reason!, /a field of 2000 bytes exceeds the limit of 1000/);
    const total = await executorFor(withLib('while :; do pf_publish t --data 0123456789; done'), {
      maxControlBytes: 10_000,
      timeoutMs: null,
    }).run(invocation());
    assert.equal(total.failureCode, 'control-too-large');
  });
});

describe('helper library: logging, failing, properties', () => {
  it('pf_log sends each line to onLog with its level', async () => {
    const logs: Array<[ScriptLogLevel, string]> = [];
    const executor = executorFor(withLib('pf_log info "starting" "now"; pf_log warn $\'two\\nlines\'; cat'), {
      onLog: (level, message) => logs.push([level, message]),
    });
    const result = await executor.run(invocation());
    assert.equal(result.outcome, 'success', result.reason);
    assert.deepEqual(logs, [
      ['info', 'starting now'],
      ['warn', 'two\nlines'],
    ]);
  });

  it('pf_fail_permanently logs the reason and dead-letters the message', async () => {
    const logs: string[] = [];
    const executor = executorFor(withLib('pf_fail_permanently "bad input: $(cat)"'), {
      onLog: (level, message) => logs.push(`${level}: ${message}`),
    });
    const result = await executor.run(invocation());
    assert.equal(result.outcome, 'permanent-failure');
    assert.deepEqual(logs, ['error: bad input: hello']);
  });

  it('pf_get_property reads properties of any content, and fails for a missing one', async () => {
    const properties = {
      plain: 'value',
      'we"ird\\name': 'quote " backslash \\ tab \t newline \n ctl \u0001 nul \u0000 end',
      unicode: 'ünïcödé 日本 😀',
      'sub$(x)': '`y`',
      empty: '',
    };
    const body = withLib(
      [
        "for name in plain $'we\"ird\\\\name' unicode 'sub$(x)' empty; do",
        '  pf_get_property "$name"; printf "\\036"',
        'done',
        'pf_get_property missing || printf "missing:%s" "$?"',
      ].join('\n'),
    );
    const result = await executorFor(body).run(invocation({ properties }));
    assert.equal(result.outcome, 'success', result.reason);
    // Values are printed byte-exact (NUL included), each followed by a record separator (0x1e).
    assert.deepEqual(text(result.output?.payload)!.split('\x1e'), [
      ...Object.values(properties),
      'missing:1',
    ]);
  });
});

describe('helper library: outside pf-bash', () => {
  it('says on stderr what it would do, so a script can be tried by hand', () => {
    const run = spawnSync(
      'bash',
      [
        '-c',
        'source "$1"; pf_set_output_topic t; pf_log warn hi; echo data | pf_publish t2; echo ok',
        'x',
        HELPER_LIBRARY_PATH,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    assert.equal(run.status, 0);
    assert.equal(run.stdout, 'ok\n');
    assert.match(run.stderr, /not running under pf-bash\) output-topic t/);
    assert.match(run.stderr, /\[warn\] hi/);
    assert.match(run.stderr, /would publish 5 bytes/);
  });
});
