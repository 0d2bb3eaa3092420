// The delivery path's reports, recorded in the instance's metrics (Pulsar Functions' names).
import type { FunctionMetrics } from '../metrics/index.ts';
import type { ProcessorMetrics } from '../processor/index.ts';

export function processorMetricsOf(metrics: FunctionMetrics): ProcessorMetrics {
  return {
    received: () => metrics.recordReceived(),
    invoked: () => metrics.recordInvocation(),
    scriptRan: (durationMs, timedOut) => metrics.recordScriptRun(durationMs, timedOut),
    processed: (durationMs) => metrics.recordSuccess(durationMs),
    userException: (reason, durationMs) => metrics.recordUserException(reason, durationMs),
    systemException: (reason) => metrics.recordSystemException(reason),
    published: (count) => metrics.recordPublished(count),
    retried: () => metrics.recordRetry(),
    deadLettered: () => metrics.recordDeadLettered(),
  };
}
