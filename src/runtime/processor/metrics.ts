// What the delivery path reports as it goes; the instance turns it into Pulsar Functions' metrics.

export interface ProcessorMetrics {
  /** A message was taken for processing (Pulsar's received_total). */
  received(): void;
  /** The script ran and everything it produced was receipted (processed_successfully_total, latency). */
  processed(durationMs: number): void;
  /** The script failed (user_exceptions_total). */
  userException(): void;
  /** The runtime failed around a successful script, e.g. publishing (system_exceptions_total). */
  systemException(): void;
  /** A failed message will run again (negatively acknowledged, or retried inside the instance). */
  retried(): void;
  deadLettered(): void;
  /** A script started (last_invocation), in milliseconds since the epoch. */
  invoked(atMs: number): void;
}

const noop = (): void => {};

export const noMetrics: ProcessorMetrics = {
  received: noop,
  processed: noop,
  userException: noop,
  systemException: noop,
  retried: noop,
  deadLettered: noop,
  invoked: noop,
};
