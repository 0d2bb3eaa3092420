// Every command's --help and its refusals of bad usage, all without a broker or an engine: usage and
// configuration errors exit 2 before anything is contacted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CommandSpec, ExitCode } from '../../../src/cli/args.ts';
import { BUILD_SPEC, buildCommand } from '../../../src/cli/build.ts';
import { CONSUME_SPEC, consumeCommand } from '../../../src/cli/consume.ts';
import { COMMANDS, main } from '../../../src/cli/main.ts';
import { MANIFEST_SPEC, manifestCommand } from '../../../src/cli/manifest.ts';
import { PRODUCE_SPEC, produceCommand, splitLines } from '../../../src/cli/produce.ts';
import { STATS_SPEC, statsCommand } from '../../../src/cli/stats.ts';
import { STATUS_SPEC, statusCommand } from '../../../src/cli/status.ts';
import { TRIGGER_SPEC, triggerCommand } from '../../../src/cli/trigger.ts';
import { type FakeIo, type FakeIoOptions, fakeIo } from './support.ts';

type Run = (argv: readonly string[], io: FakeIo) => Promise<number>;

const COMMAND_RUNS: readonly (readonly [CommandSpec, Run])[] = [
  [BUILD_SPEC, buildCommand],
  [MANIFEST_SPEC, manifestCommand],
  [PRODUCE_SPEC, produceCommand],
  [CONSUME_SPEC, consumeCommand],
  [TRIGGER_SPEC, triggerCommand],
  [STATUS_SPEC, statusCommand],
  [STATS_SPEC, statsCommand],
];

const dir = mkdtempSync(join(tmpdir(), 'pf-cli-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'reverse.sh');
writeFileSync(script, 'rev\n');

/** Runs a command; resolves with its exit code and what it printed. */
async function run(command: Run, argv: string[], options: FakeIoOptions = {}) {
  const io = fakeIo(options);
  const code = await command(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe('pf-bash <command> --help', () => {
  for (const [spec, command] of COMMAND_RUNS) {
    it(`${spec.name}: exits 0 and lists every option with its default, and the exit codes`, async () => {
      const { code, stdout, stderr } = await run(command, ['--help']);
      assert.equal(code, ExitCode.Ok);
      assert.equal(stderr, '');
      assert.ok(stdout.startsWith(`usage: pf-bash ${spec.name} `), stdout);
      for (const [name, option] of Object.entries(spec.options)) {
        assert.ok(stdout.includes(`--${name}`), `--${name} in the help of ${spec.name}`);
        const shown = option.default ?? option.defaultText;
        if (shown !== undefined) {
          // Wrapped help lines break between words.
          assert.ok(stdout.replace(/\s+/g, ' ').includes(`default: ${shown}`), `default of --${name}`);
        }
      }
      assert.match(stdout, /exit codes:\n {2}0 {2}success\n(.|\n)* {2}2 {2}bad usage/);
    });
  }

  it('every command is in the dispatch table, lazily loaded', async () => {
    for (const [spec, command] of COMMAND_RUNS) {
      const entry = COMMANDS[spec.name];
      assert.ok(entry !== undefined, spec.name);
      assert.equal(await entry.load(), command);
    }
  });
});

describe('bad usage exits 2 before contacting anything', () => {
  const cases: readonly (readonly [string, Run, string[], FakeIoOptions, RegExp])[] = [
    ['an unknown option', produceCommand, ['--topic', 't', '--nope'], {}, /Unknown option '--nope'/],
    ['produce without --topic', produceCommand, ['--data', 'x'], {}, /missing --topic/],
    ['produce with a bad topic', produceCommand, ['--topic', 'a/b', '--data', 'x'], {}, /invalid --topic/],
    [
      'produce with a bad count',
      produceCommand,
      ['--topic', 't', '--count', '0', '--data', 'x'],
      {},
      /`--count` to be a positive integer, got `0`/,
    ],
    [
      'produce with two payloads',
      produceCommand,
      ['--topic', 't', '--data', 'x', '--file', script],
      {},
      /--data or --file, not both/,
    ],
    [
      'produce without a payload on a terminal',
      produceCommand,
      ['--topic', 't'],
      {},
      /no payload: give --data TEXT or --file FILE/,
    ],
    [
      'produce with an unreadable file',
      produceCommand,
      ['--topic', 't', '--file', join(dir, 'none')],
      {},
      /cannot read --file .*none \(ENOENT\)/,
    ],
    [
      'produce with a bad property',
      produceCommand,
      ['--topic', 't', '--data', 'x', '--property', 'p'],
      {},
      /`--property` as NAME=VALUE/,
    ],
    [
      'produce with a bad service URL',
      produceCommand,
      ['--topic', 't', '--data', 'x', '--service-url', 'http://x'],
      {},
      /PF_SERVICE_URL=http:\/\/x: expected pulsar:\/\/host:port/,
    ],
    [
      'produce with a missing token file',
      produceCommand,
      ['--topic', 't', '--data', 'x'],
      { env: { PF_AUTH_TOKEN_FILE: join(dir, 'none') } },
      /PF_AUTH_TOKEN_FILE=.*: expected a readable file/,
    ],
    [
      'consume with a bad output',
      consumeCommand,
      ['--topic', 't', '--output', 'xml'],
      {},
      /`--output` to be one of raw, json, got `xml`/,
    ],
    [
      'consume with a bad position',
      consumeCommand,
      ['--topic', 't', '--position', 'middle'],
      {},
      /`--position` to be one of earliest, latest/,
    ],
    [
      'consume with a bad timeout',
      consumeCommand,
      ['--topic', 't', '--timeout-ms=-1'],
      {},
      /`--timeout-ms` to be a non-negative integer/,
    ],
    ['trigger without a function', triggerCommand, ['--data', 'x'], {}, /PF_INPUTS: missing/],
    [
      'trigger without an output',
      triggerCommand,
      ['--input', 'in', '--data', 'x'],
      {},
      /no output topic \(PF_OUTPUT\); name one with --output/,
    ],
    [
      'trigger of a pattern',
      triggerCommand,
      ['--data', 'x'],
      { env: { PF_TOPICS_PATTERN: 'in-.*', PF_OUTPUT: 'out' } },
      /reads the topics pattern .*in-\.\*; name the topic with --input/,
    ],
    [
      'trigger onto its own input',
      triggerCommand,
      ['--input', 'a', '--output', 'a', '--data', 'x'],
      {},
      /also an input topic/,
    ],
    [
      'trigger with a bad input',
      triggerCommand,
      ['--input', 'a b', '--output', 'c', '--data', 'x'],
      {},
      /invalid --input/,
    ],
    [
      'trigger with a bad match',
      triggerCommand,
      ['--input', 'a', '--output', 'b', '--match', 'key'],
      {},
      /`--match` to be one of id, any/,
    ],
    [
      'trigger with an unreadable config file',
      triggerCommand,
      ['--config-file', join(dir, 'none.yaml'), '--data', 'x'],
      {},
      /PF_FUNCTION_CONFIG_FILE=.*none.yaml: expected a readable Pulsar FunctionConfig YAML file/,
    ],
    [
      'status with a bad URL',
      statusCommand,
      ['--url', 'ftp://x'],
      {},
      /`--url` to be an http:\/\/ or https:\/\/ address/,
    ],
    [
      'stats with a bad timeout',
      statsCommand,
      ['--timeout-ms', 'soon'],
      {},
      /`--timeout-ms` to be a positive integer/,
    ],
    ['build without a script', buildCommand, [], {}, /missing the script/],
    ['build with two scripts', buildCommand, [script, script], {}, /unexpected argument/],
    ['build with a missing script', buildCommand, [join(dir, 'none.sh')], {}, /cannot read the script/],
    [
      'build with a token in its environment',
      buildCommand,
      [script, '--env', 'PF_AUTH_TOKEN=x'],
      {},
      /env PF_AUTH_TOKEN: anyone holding the image could read it/,
    ],
    [
      'build with a file outside the script’s folder',
      buildCommand,
      [script, '--file', '../x'],
      {},
      /file "..\/x": expected a path inside/,
    ],
    ['manifest without --image', manifestCommand, ['--name', 'x'], {}, /missing --image/],
  ];
  for (const [what, command, argv, options, message] of cases) {
    it(what, async () => {
      const { code, stdout, stderr } = await run(command, argv, options);
      assert.equal(code, ExitCode.Usage, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, message);
    });
  }
});

describe('main', () => {
  it('exits 2 for an unknown command and lists the commands', async () => {
    const write = process.stderr.write;
    let text = '';
    process.stderr.write = ((chunk: string) => {
      text += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      assert.equal(await main(['nope']), ExitCode.Usage);
    } finally {
      process.stderr.write = write;
    }
    assert.match(text, /unknown command `nope`/);
    for (const name of ['build', 'manifest', 'produce', 'consume', 'trigger', 'status', 'stats']) {
      assert.match(text, new RegExp(`\\n {2}${name} +\\S`));
    }
  });
});

describe('splitLines', () => {
  it('ends a line at each newline, keeps empty lines within, and a last line without one', () => {
    const lines = (text: string) => splitLines(Buffer.from(text)).map((b) => b.toString());
    assert.deepEqual(lines('a\nb\n'), ['a', 'b']);
    assert.deepEqual(lines('a\n\nb'), ['a', '', 'b']);
    assert.deepEqual(lines(''), []);
    assert.deepEqual(lines('\n'), ['']);
  });
});
