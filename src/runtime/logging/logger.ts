// The instance's pino loggers: JSON lines on stdout for the container, and the same records (at or above the
// topic level) on the log topic through a LogSink. The sink is attached once the client exists; the client
// itself logs through `local`, which never writes to the log topic (its own sends would log, and loop).
import { hostname } from 'node:os';
import { format } from 'node:util';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { REDACTED } from '../config/index.ts';
import { topicLevelOf } from './levels.ts';
import type { LogSink } from './log-topic-sink.ts';
import { DEFAULT_REDACT_PATHS } from './redact.ts';

export interface InstanceLoggingOptions {
  /** Default `info`. */
  readonly level?: LevelWithSilent;
  /** Lowest level that goes to the log topic (never below `level`). Default `info`. */
  readonly topicLevel?: LevelWithSilent;
  /** Fields on every line, e.g. `{ fqfn, instanceId }`. */
  readonly bindings?: Readonly<Record<string, unknown>>;
  /** Paths whose values are replaced by `<redacted>`. Default DEFAULT_REDACT_PATHS. */
  readonly redactPaths?: readonly string[];
  /** Default stdout (pino.destination(1)). */
  readonly destination?: DestinationStream;
}

export interface InstanceLogging {
  /** Key events: stdout, and the log topic once a sink is attached. */
  readonly logger: Logger;
  /** stdout only: for the Pulsar client and the log sink itself. */
  readonly local: Logger;
  /** Starts sending records to `sink` (replacing any previous one). */
  attachSink(sink: LogSink): void;
  /** Stops sending to the log topic (before closing the sink). */
  detachSink(): void;
}

export function createInstanceLogging(options: InstanceLoggingOptions = {}): InstanceLogging {
  const level = options.level ?? 'info';
  const destination = options.destination ?? pino.destination(1);
  const base = { pid: process.pid, hostname: hostname(), ...options.bindings };
  const redact = { paths: [...(options.redactPaths ?? DEFAULT_REDACT_PATHS)], censor: REDACTED };
  const local = pino({ level, base, redact }, destination);
  const topicThreshold = local.levels.values[options.topicLevel ?? 'info'] ?? 30;
  let sink: LogSink | undefined;

  const logger = pino(
    {
      level,
      base,
      redact,
      hooks: {
        // Runs only for enabled levels (pino makes the others no-ops), so a debug line at level info costs
        // nothing here. The log topic gets the message text alone, as Pulsar's LogAppender sends it.
        logMethod(args, method, levelValue) {
          if (sink !== undefined && levelValue >= topicThreshold) {
            const text = messageText(args as unknown[]);
            if (text !== undefined) {
              const prefix = this.msgPrefix;
              sink.publish(topicLevelOf(levelValue), prefix === undefined ? text : prefix + text);
            }
          }
          method.apply(this, args);
        },
      },
    },
    destination,
  );

  return {
    logger,
    local,
    attachSink(next) {
      sink = next;
    },
    detachSink() {
      sink = undefined;
    },
  };
}

/**
 * The formatted message of a pino call: `(msg, …args)`, `(obj, msg, …args)`, `(err)` or `(obj)` with a `msg`
 * field. undefined when the call carries no text.
 */
export function messageText(args: readonly unknown[]): string | undefined {
  const [first, second] = args;
  if (typeof first === 'string') return interpolate(first, args.slice(1));
  if (typeof second === 'string') return interpolate(second, args.slice(2));
  if (first instanceof Error) return first.message;
  if (typeof first === 'object' && first !== null) {
    const { msg, err } = first as { msg?: unknown; err?: unknown };
    if (typeof msg === 'string') return msg;
    if (err instanceof Error) return err.message;
  }
  return undefined;
}

function interpolate(message: string, rest: readonly unknown[]): string {
  return rest.length === 0 || !message.includes('%') ? message : format(message, ...rest);
}
