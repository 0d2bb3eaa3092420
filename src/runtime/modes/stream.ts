// Stream mode from the instance's side: the executor built from the configuration, its process events and its
// readiness logged, how many messages the pool may run at once (processes × pipeline), and its restarts.
import type { Logger } from 'pino';
import type { Clock } from '../../pulsar/index.ts';
import type { FunctionRuntimeConfig } from '../config/index.ts';
import type { FunctionExecutor } from '../function-executor/index.ts';
import {
  createStreamExecutor,
  StreamExecutor,
  type StreamProcessEvent,
} from '../function-executor/stream/index.ts';
import { scriptLogForwarders } from '../logging/index.ts';
import { functionInstanceOf } from './function-instance.ts';

/** Messages the pool runs at once: one per script in exec mode, up to the pipeline depth per process in stream mode. */
export function runningLimit(config: FunctionRuntimeConfig): number {
  return config.pool.concurrency * (config.stream?.pipeline ?? 1);
}

/**
 * The status document's numRestarts: what restarts in a pf-bash instance is stream mode's long-lived script
 * process, after it died. Exec mode starts a process per message, which is no restart: 0.
 */
export function scriptRestarts(executor: FunctionExecutor | undefined): number {
  return executor instanceof StreamExecutor ? executor.restarts : 0;
}

/** The stream-mode executor for `config` (whose mode is `stream`); starts PF_CONCURRENCY processes. */
export function streamExecutorFor(
  config: FunctionRuntimeConfig,
  logger: Logger,
  clock?: Clock,
): StreamExecutor {
  const stream = config.stream;
  if (stream === null) throw new Error('streamExecutorFor needs PF_MODE=stream');
  return createStreamExecutor({
    scriptPath: config.script.path,
    instance: functionInstanceOf(config),
    codec: stream.codec,
    processes: config.pool.concurrency,
    pipeline: stream.pipeline,
    restartBackoffMs: stream.restartBackoffMs,
    restartBackoffMaxMs: stream.restartBackoffMaxMs,
    timeoutMs: config.script.timeoutMs,
    killGraceMs: config.script.killGraceMs,
    trimTrailingNewline: config.output.trimTrailingNewline,
    forwardSourceMessageProperty: config.output.forwardSourceMessageProperty,
    ...scriptLogForwarders(logger),
    onEvent: (event) => logProcessEvent(logger, event),
    onReadyChange: (ready) => {
      if (ready) logger.info({}, 'a script process is up: ready for messages');
      else logger.warn({}, 'no script process is up: not ready until one restarts');
    },
    ...(clock === undefined ? {} : { clock }),
  });
}

function logProcessEvent(logger: Logger, event: StreamProcessEvent): void {
  if (event.kind === 'started') {
    logger.debug({ slot: event.slot, pid: event.pid }, 'script process started');
    return;
  }
  if (event.kind === 'tmp-left') {
    logger.warn(
      { slot: event.slot, dir: event.dir, error: event.error },
      "the script process's TMPDIR could not be removed; left for the system's temporary-directory cleaning",
    );
    return;
  }
  const fields = {
    slot: event.slot,
    pid: event.pid,
    exitCode: event.exitCode,
    signal: event.signal,
    answered: event.answered,
    inFlight: event.inFlight,
    restartInMs: event.restartInMs,
    stderrTail: event.stderrTail,
  };
  // A process that exits 0 with nothing in flight chose to (e.g. after N messages): not worth a warning.
  const quiet = event.reason === undefined && event.exitCode === 0 && event.inFlight === 0;
  const what =
    event.reason ??
    `the script process exited${event.signal ? ` (${event.signal})` : ` with code ${event.exitCode}`}`;
  const next = event.restartInMs === undefined ? '' : `; restarting in ${event.restartInMs} ms`;
  if (quiet) logger.info(fields, `${what}${next}`);
  else logger.warn(fields, `${what}${next}`);
}
