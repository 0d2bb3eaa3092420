// The shared command-line layer: parsing against a declared spec, typed accessors and their messages, the help
// text written from the spec, and the mapping of errors to exit codes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CommandSpec,
  ConfigurationError,
  describeError,
  ExitCode,
  executeCommand,
  helpText,
  parseCommandLine,
  UsageError,
} from '../../../src/cli/args.ts';
import { fakeIo } from './support.ts';

const SPEC: CommandSpec = {
  name: 'demo',
  synopsis: '<thing> [options]',
  description: 'Does a demo thing.',
  positionals: { min: 1, max: 1, name: 'thing' },
  options: {
    topic: { type: 'string', value: 'TOPIC', required: true, description: 'where to' },
    count: { type: 'string', value: 'N', default: '1', description: 'how many' },
    url: { type: 'string', value: 'URL', description: 'the broker', defaultText: 'PF_SERVICE_URL' },
    property: { type: 'string', multiple: true, value: 'K=V', description: 'a property' },
    format: { type: 'string', value: 'raw|json', default: 'raw', description: 'printing' },
    lines: { type: 'boolean', short: 'l', description: 'one message per line' },
  },
  exitCodes: [[ExitCode.Timeout, 'nothing came']],
  examples: ['pf-bash demo x --topic t'],
};

function usageError(argv: string[]): string {
  try {
    parseCommandLine(SPEC, argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail('expected a UsageError');
}

describe('parseCommandLine', () => {
  it('reads options, repeated options, short flags and the positional', () => {
    const args = parseCommandLine(SPEC, [
      'x',
      '--topic',
      't',
      '--property',
      'a=1',
      '--property',
      'b=c=d',
      '-l',
    ]);
    assert.ok(args !== null);
    assert.deepEqual(args.positionals, ['x']);
    assert.equal(args.string('topic'), 't');
    assert.deepEqual(args.keyValues('property'), { a: '1', b: 'c=d' });
    assert.equal(args.flag('lines'), true);
  });

  it('applies declared defaults, and tells given from defaulted', () => {
    const args = parseCommandLine(SPEC, ['x', '--topic', 't']);
    assert.ok(args !== null);
    assert.equal(args.integer('count', 1), 1);
    assert.equal(args.has('count'), false);
    assert.equal(args.string('url'), undefined);
    assert.equal(args.choice('format', ['raw', 'json']), 'raw');
  });

  it('answers --help and -h with null, before checking anything else', () => {
    assert.equal(parseCommandLine(SPEC, ['--help']), null);
    assert.equal(parseCommandLine(SPEC, ['-h', '--count', 'x']), null);
  });

  it('refuses unknown options, missing values, missing and extra positionals, missing required options', () => {
    assert.match(usageError(['x', '--topic', 't', '--nope']), /Unknown option '--nope'/);
    assert.match(usageError(['x', '--topic']), /--topic/);
    assert.equal(usageError(['--topic', 't']), 'missing the thing');
    assert.equal(usageError(['x', 'y', '--topic', 't']), 'unexpected argument `y` after the thing');
    assert.equal(usageError(['x']), 'missing --topic');
  });

  it('names the option and the bad value in accessor errors', () => {
    const args = parseCommandLine(SPEC, [
      'x',
      '--topic',
      't',
      '--count',
      'abc',
      '--format',
      'xml',
      '--property',
      'novalue',
    ]);
    assert.ok(args !== null);
    assert.throws(() => args.integer('count', 1), {
      message: 'Expected `--count` to be a positive integer, got `abc`',
    });
    assert.throws(() => args.integer('count', 0), {
      message: 'Expected `--count` to be a non-negative integer, got `abc`',
    });
    assert.throws(() => args.choice('format', ['raw', 'json']), {
      message: 'Expected `--format` to be one of raw, json, got `xml`',
    });
    assert.throws(() => args.keyValues('property'), {
      message: 'Expected `--property` as NAME=VALUE, got `novalue`',
    });
    const zero = parseCommandLine(SPEC, ['x', '--topic', 't', '--count', '0']);
    assert.throws(() => zero?.integer('count', 1, 10), {
      message: 'Expected `--count` to be an integer from 1 to 10, got `0`',
    });
  });
});

describe('helpText', () => {
  const text = helpText(SPEC);

  it('starts with the usage line and the description', () => {
    assert.ok(text.startsWith('usage: pf-bash demo <thing> [options]\n\nDoes a demo thing.\n\noptions:\n'));
  });

  it('lists every option with its value name, default, and whether it is required or repeatable', () => {
    assert.match(text, /--topic TOPIC +where to \(required\)/);
    assert.match(text, /--count N +how many \(default: 1\)/);
    assert.match(text, /--url URL +the broker \(default: PF_SERVICE_URL\)/);
    assert.match(text, /--property K=V +a property \(repeatable\)/);
    assert.match(text, /-l, --lines +one message per line/);
    assert.match(text, /-h, --help +show this help and exit/);
  });

  it('lists the exit codes in order, with 0 and 2 always there', () => {
    assert.match(
      text,
      /exit codes:\n {2}0 {2}success\n {2}2 {2}bad usage or configuration \(nothing was attempted\)\n {2}3 {2}nothing came\n/,
    );
    assert.match(text, /examples:\n {2}pf-bash demo x --topic t\n$/);
  });

  it('wraps long descriptions under their option', () => {
    const long = helpText({
      ...SPEC,
      options: { a: { type: 'boolean', description: 'word '.repeat(40).trim() } },
    });
    for (const line of long.split('\n')) assert.ok(line.length <= 100, line);
    assert.match(long, /\n {14}word word/);
  });
});

describe('executeCommand', () => {
  it('prints the help on stdout and exits 0', async () => {
    const io = fakeIo();
    assert.equal(await executeCommand(SPEC, ['--help'], io, async () => 9), ExitCode.Ok);
    assert.equal(io.stdout.text, helpText(SPEC));
  });

  it('exits 2 on bad usage, with the message and a pointer to --help on stderr', async () => {
    const io = fakeIo();
    assert.equal(await executeCommand(SPEC, ['x'], io, async () => 0), ExitCode.Usage);
    assert.equal(io.stderr.text, 'pf-bash demo: missing --topic\n(pf-bash demo --help lists the options)\n');
  });

  it('exits 2 on configuration errors, 1 on failures, and passes the body’s code through', async () => {
    const argv = ['x', '--topic', 't'];
    const config = fakeIo();
    const bad = async () => {
      throw new ConfigurationError('the settings are not valid:\nPF_X=1: no');
    };
    assert.equal(await executeCommand(SPEC, argv, config, bad), ExitCode.Usage);
    assert.equal(config.stderr.text, 'pf-bash demo: the settings are not valid:\nPF_X=1: no\n');
    const failed = fakeIo();
    const fail = async () => {
      throw new Error('could not connect', { cause: new Error('ECONNREFUSED 127.0.0.1:6650') });
    };
    assert.equal(await executeCommand(SPEC, argv, failed, fail), ExitCode.Failure);
    assert.equal(failed.stderr.text, 'pf-bash demo: could not connect: ECONNREFUSED 127.0.0.1:6650\n');
    assert.equal(await executeCommand(SPEC, argv, fakeIo(), async () => ExitCode.Timeout), ExitCode.Timeout);
  });

  it('describes errors with their causes, without repeating a cause already in the message', () => {
    const inner = new Error('ECONNREFUSED');
    assert.equal(
      describeError(new Error('connect failed: ECONNREFUSED', { cause: inner })),
      'connect failed: ECONNREFUSED',
    );
    assert.equal(describeError('plain'), 'plain');
  });
});
