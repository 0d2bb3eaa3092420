// The instance's loggers: JSON on stdout with secrets redacted; the same records' text (no fields, no level in
// the text) to the log sink at or above the topic level; the local logger never reaching the sink; and the
// script's stderr lines and pf_log messages forwarded with their message id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createInstanceLogging,
  type LogSink,
  type LogTopicLevel,
  messageText,
  scriptLogForwarders,
  topicLevelOf,
} from '../../../../src/runtime/logging/index.ts';
import { MemoryDestination, sampleInvocation } from './support.ts';

class RecordingSink implements LogSink {
  readonly lines: [LogTopicLevel, string][] = [];
  publish(level: LogTopicLevel, text: string): void {
    this.lines.push([level, text]);
  }
}

function setup(options: Parameters<typeof createInstanceLogging>[0] = {}) {
  const destination = new MemoryDestination();
  const sink = new RecordingSink();
  const logging = createInstanceLogging({ destination, ...options });
  logging.attachSink(sink);
  return { destination, sink, ...logging };
}

describe('createInstanceLogging', () => {
  it('writes JSON lines with the bindings and redacts secret fields at any depth', () => {
    const { destination, logger } = setup({ bindings: { fqfn: 'public/default/reverse', instanceId: 0 } });
    logger.info(
      {
        config: { broker: { auth: { kind: 'token', token: 'eyJhbGciOi.SECRET' } } },
        headers: { authorization: 'Bearer SECRET' },
        token: 'SECRET',
      },
      'starting',
    );
    const [line] = destination.lines;
    assert.equal(line!.msg, 'starting');
    assert.equal(line!.fqfn, 'public/default/reverse');
    assert.equal(line!.instanceId, 0);
    assert.equal(line!.level, 30);
    assert.doesNotMatch(JSON.stringify(destination.lines), /SECRET/);
    assert.deepEqual(line!.config, { broker: { auth: { kind: 'token', token: '<redacted>' } } });
  });

  it('sends the message text only, with the log4j level name, at or above the topic level', () => {
    const { sink, logger } = setup({ level: 'debug' });
    logger.debug('not for the topic');
    logger.info({ exitCode: 1 }, 'script failed with exit code %d', 1);
    logger.warn('retrying message %s', '12:3:-1:-1');
    logger.error(new Error('publish refused'));
    logger.fatal({ err: new Error('ignored') }, 'cannot continue');
    assert.deepEqual(sink.lines, [
      ['INFO', 'script failed with exit code 1'],
      ['WARN', 'retrying message 12:3:-1:-1'],
      ['ERROR', 'publish refused'],
      ['FATAL', 'cannot continue'],
    ]);
  });

  it('lets the topic take debug lines when asked, never below the logger level', () => {
    const low = setup({ level: 'debug', topicLevel: 'debug' });
    low.logger.debug('detail');
    low.logger.trace('finer');
    assert.deepEqual(low.sink.lines, [['DEBUG', 'detail']]);
    const high = setup({ level: 'warn', topicLevel: 'debug' });
    high.logger.info('quiet');
    assert.deepEqual(high.sink.lines, []);
  });

  it('keeps the local logger and child loggers apart as they should be', () => {
    const { sink, logger, local, destination } = setup();
    local.info('client connected');
    logger.child({ component: 'consumer' }).info('subscribed');
    logger.child({}, { msgPrefix: '[dlq] ' }).warn('dead-lettered');
    assert.deepEqual(sink.lines, [
      ['INFO', 'subscribed'],
      ['WARN', '[dlq] dead-lettered'],
    ]);
    assert.deepEqual(
      destination.lines.map((l) => l.msg),
      ['client connected', 'subscribed', '[dlq] dead-lettered'],
    );
  });

  it('stops sending after detachSink', () => {
    const { sink, logger, detachSink } = setup();
    detachSink();
    logger.info('after');
    assert.deepEqual(sink.lines, []);
  });
});

describe('messageText', () => {
  it('finds the text of every pino call form', () => {
    assert.equal(messageText(['plain']), 'plain');
    assert.equal(messageText(['no placeholders', 'extra']), 'no placeholders');
    assert.equal(messageText([{ a: 1 }, 'with fields']), 'with fields');
    assert.equal(messageText([{ a: 1 }, 'n=%d', 5]), 'n=5');
    assert.equal(messageText([new Error('boom')]), 'boom');
    assert.equal(messageText([{ msg: 'from field' }]), 'from field');
    assert.equal(messageText([{ err: new Error('inner') }]), 'inner');
    assert.equal(messageText([{ a: 1 }]), undefined);
    assert.equal(messageText([]), undefined);
  });

  it('maps pino levels to log4j names', () => {
    assert.deepEqual([10, 20, 30, 40, 50, 60, 35].map(topicLevelOf), [
      'TRACE',
      'DEBUG',
      'INFO',
      'WARN',
      'ERROR',
      'FATAL',
      'INFO',
    ]);
  });
});

describe('scriptLogForwarders', () => {
  const invocation = sampleInvocation;

  it("forwards stderr lines (info by default) and pf_log messages at the script's level", () => {
    const { sink, logger, destination } = setup({ level: 'debug', topicLevel: 'debug' });
    const forward = scriptLogForwarders(logger);
    forward.onStderrLine('grep: no match', invocation);
    forward.onLog('warn', 'input looks odd', invocation);
    forward.onLog('debug', 'step 2', invocation);
    assert.deepEqual(sink.lines, [
      ['INFO', 'grep: no match'],
      ['WARN', 'input looks odd'],
      ['DEBUG', 'step 2'],
    ]);
    assert.deepEqual(
      destination.lines.map((l) => [l.source, l.messageId, l.msg]),
      [
        ['stderr', '7:42:-1:-1', 'grep: no match'],
        ['pf_log', '7:42:-1:-1', 'input looks odd'],
        ['pf_log', '7:42:-1:-1', 'step 2'],
      ],
    );
    const warnStderr = scriptLogForwarders(logger, { stderrLevel: 'warn' });
    warnStderr.onStderrLine('careful', invocation);
    assert.deepEqual(sink.lines.at(-1), ['WARN', 'careful']);
  });

  it('sends a stderr line that looks like a format string as it is', () => {
    const { sink, logger } = setup();
    scriptLogForwarders(logger).onStderrLine('100% done %s %d', invocation);
    assert.deepEqual(sink.lines, [['INFO', '100% done %s %d']]);
  });
});
