// The script's stderr lines and `pf_log` messages as log records: on stdout with the message id, and (through
// the instance logger's sink) on the log topic as plain text. Pass the result to the executor's options.
import type { Logger } from 'pino';
import type { Invocation, ScriptLogLevel } from '../function-executor/index.ts';

/** `invocation` is undefined for a line of a stream-mode process that no message was in flight for. */
export interface ScriptLogForwarders {
  readonly onStderrLine: (line: string, invocation: Invocation | undefined) => void;
  readonly onLog: (level: ScriptLogLevel, message: string, invocation: Invocation | undefined) => void;
}

export interface ScriptLogForwardersOptions {
  /**
   * The level of stderr lines. Default `info`: stderr is where scripts write diagnostics of every kind (`set -x`
   * traces included); failures are reported separately with their exit code.
   */
  readonly stderrLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export function scriptLogForwarders(
  logger: Logger,
  options: ScriptLogForwardersOptions = {},
): ScriptLogForwarders {
  const stderrLevel = options.stderrLevel ?? 'info';
  return {
    onStderrLine(line, invocation) {
      logger[stderrLevel]({ source: 'stderr', messageId: invocation?.messageId }, line);
    },
    onLog(level, message, invocation) {
      logger[level]({ source: 'pf_log', messageId: invocation?.messageId }, message);
    },
  };
}
