// What the delivery path reports as it goes; the instance turns it into Pulsar Functions' metrics.

export interface ProcessorMetrics {
  /** A message was taken for processing (Pulsar's received_total). */
  received(): void;
  /** A script starts now (last_invocation). */
  invoked(): void;
  /** A script ended, whatever the outcome. */
  scriptRan(durationMs: number, timedOut: boolean): void;
  /** The script ran and everything it produced was receipted (processed_successfully_total, latency). */
  processed(durationMs: number): void;
  /** The script failed, or asked for something impossible (user_exceptions_total). */
  userException(reason: string, durationMs?: number): void;
  /** The runtime failed around the script, e.g. publishing (system_exceptions_total). */
  systemException(reason: string): void;
  /** Messages published: results and extra messages. */
  published(count: number): void;
  /** A failed message will run again (negatively acknowledged, or retried inside the instance). */
  retried(): void;
  deadLettered(): void;
}

const noop = (): void => {};

export const noMetrics: ProcessorMetrics = {
  received: noop,
  invoked: noop,
  scriptRan: noop,
  processed: noop,
  userException: noop,
  systemException: noop,
  published: noop,
  retried: noop,
  deadLettered: noop,
};
