// What the HTTP server serves, behind one interface so that the server knows nothing of how the instance
// works (tests give it a fake). createObservabilityProvider() wires the real metrics and health together.

import type { FunctionMetrics } from '../metrics/index.ts';
import { type FunctionStats, type FunctionStatus, functionStats, functionStatus } from '../metrics/index.ts';
import type { InstanceHealth, ProbeResult } from './health.ts';

export interface ObservabilityProvider {
  liveness(): ProbeResult;
  readiness(): ProbeResult;
  /** The Prometheus text exposition and its content type. */
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  status(): FunctionStatus;
  stats(): FunctionStats;
}

export interface ObservabilityProviderParts {
  readonly metrics: FunctionMetrics;
  readonly health: InstanceHealth;
  /** Restarts of this instance, if the caller knows them. Default 0. */
  readonly numRestarts?: () => number;
}

export function createObservabilityProvider(parts: ObservabilityProviderParts): ObservabilityProvider {
  const { metrics, health } = parts;
  return {
    liveness: () => health.liveness(),
    readiness: () => health.readiness(),
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exposition() }),
    status: () =>
      functionStatus(metrics.snapshot(), {
        running: health.running,
        error: health.error,
        numRestarts: parts.numRestarts?.() ?? 0,
        workerId: health.workerId,
      }),
    stats: () => functionStats(metrics.snapshot()),
  };
}
