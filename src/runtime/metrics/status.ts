// The documents `pulsar-admin functions status` and `functions stats` print, for this instance: field names and
// order follow Pulsar's FunctionStatus and FunctionStatsImpl (pulsar-common policies/data), so tools that read
// Pulsar's JSON read ours. Pure: built from a MetricsSnapshot and the instance's state.

import type { MetricsSnapshot, WindowCounts } from './function-metrics.ts';
import type { ExceptionInformation } from './latest-exceptions.ts';

/** FunctionStatus.FunctionInstanceStatus.FunctionInstanceStatusData. */
export interface FunctionInstanceStatusData {
  readonly running: boolean;
  /** Empty when the instance has not failed. */
  readonly error: string;
  readonly numRestarts: number;
  readonly numReceived: number;
  readonly numSuccessfullyProcessed: number;
  readonly numUserExceptions: number;
  readonly latestUserExceptions: readonly ExceptionInformation[];
  readonly numSystemExceptions: number;
  readonly latestSystemExceptions: readonly ExceptionInformation[];
  /** Milliseconds; 0 when nothing was measured. */
  readonly averageLatency: number;
  /** Milliseconds since the epoch; 0 before the first run. */
  readonly lastInvocationTime: number;
  readonly workerId: string;
}

export interface FunctionInstanceStatus {
  readonly instanceId: number;
  readonly status: FunctionInstanceStatusData;
}

/** FunctionStatus. One instance's document has numInstances 1; mergeFunctionStatus() combines several. */
export interface FunctionStatus {
  readonly numInstances: number;
  readonly numRunning: number;
  readonly instances: readonly FunctionInstanceStatus[];
}

/** FunctionInstanceStatsDataBase: averages are null when nothing was measured (as the worker reports them). */
export interface FunctionStatsDataBase {
  readonly receivedTotal: number;
  readonly processedSuccessfullyTotal: number;
  readonly systemExceptionsTotal: number;
  readonly userExceptionsTotal: number;
  readonly avgProcessLatency: number | null;
}

/** FunctionInstanceStatsData. */
export interface FunctionInstanceStatsData extends FunctionStatsDataBase {
  readonly '1min': FunctionStatsDataBase;
  /** null before the first run. */
  readonly lastInvocation: number | null;
  /** Pulsar's context.recordMetric values; pf-bash has none yet. */
  readonly userMetrics: Readonly<Record<string, number>>;
}

export interface FunctionInstanceStats {
  readonly instanceId: number;
  readonly metrics: FunctionInstanceStatsData;
}

/** FunctionStatsImpl: the overall figures, then each instance's. */
export interface FunctionStats extends FunctionStatsDataBase {
  readonly '1min': FunctionStatsDataBase;
  readonly lastInvocation: number | null;
  readonly instances: readonly FunctionInstanceStats[];
}

/** What the status document needs beyond the metrics. */
export interface InstanceState {
  readonly running: boolean;
  /** Empty when the instance has not failed. */
  readonly error: string;
  readonly numRestarts: number;
  /** Where the instance runs; the pod name under Kubernetes. */
  readonly workerId: string;
}

export function functionStatus(snapshot: MetricsSnapshot, state: InstanceState): FunctionStatus {
  return {
    numInstances: 1,
    numRunning: state.running ? 1 : 0,
    instances: [
      {
        instanceId: snapshot.instanceId,
        status: {
          running: state.running,
          error: state.error,
          numRestarts: state.numRestarts,
          numReceived: snapshot.receivedTotal,
          numSuccessfullyProcessed: snapshot.processedSuccessfullyTotal,
          numUserExceptions: snapshot.userExceptionsTotal,
          latestUserExceptions: snapshot.latestUserExceptions,
          numSystemExceptions: snapshot.systemExceptionsTotal,
          latestSystemExceptions: snapshot.latestSystemExceptions,
          averageLatency: snapshot.avgProcessLatency,
          lastInvocationTime: snapshot.lastInvocation,
          workerId: state.workerId,
        },
      },
    ],
  };
}

// The worker turns 0 into null for averages and the last invocation (FunctionsImpl.getFunctionInstanceStats).
function statsBase(counts: WindowCounts): FunctionStatsDataBase {
  return {
    receivedTotal: counts.receivedTotal,
    processedSuccessfullyTotal: counts.processedSuccessfullyTotal,
    systemExceptionsTotal: counts.systemExceptionsTotal,
    userExceptionsTotal: counts.userExceptionsTotal,
    avgProcessLatency: counts.avgProcessLatency === 0 ? null : counts.avgProcessLatency,
  };
}

export function functionStats(snapshot: MetricsSnapshot): FunctionStats {
  const metrics: FunctionInstanceStatsData = {
    ...statsBase(snapshot),
    '1min': statsBase(snapshot.oneMin),
    lastInvocation: snapshot.lastInvocation === 0 ? null : snapshot.lastInvocation,
    userMetrics: {},
  };
  return mergeFunctionStats([{ instanceId: snapshot.instanceId, metrics }]);
}

/**
 * One status document from several instances' (for `pf-bash status` across pods). `numInstances` is the
 * function's parallelism when known, otherwise the number of instances given.
 */
export function mergeFunctionStatus(
  documents: readonly FunctionStatus[],
  numInstances?: number,
): FunctionStatus {
  const instances = documents.flatMap((d) => d.instances).sort((a, b) => a.instanceId - b.instanceId);
  return {
    numInstances: numInstances ?? instances.length,
    numRunning: documents.reduce((sum, d) => sum + d.numRunning, 0),
    instances,
  };
}

/** Sums and averages instances' figures the way Pulsar's FunctionStatsImpl.calculateOverall does. */
export function mergeFunctionStats(instances: readonly FunctionInstanceStats[]): FunctionStats {
  const sorted = [...instances].sort((a, b) => a.instanceId - b.instanceId);
  const overall = (pick: (m: FunctionInstanceStatsData) => FunctionStatsDataBase): FunctionStatsDataBase => {
    const all = sorted.map((i) => pick(i.metrics));
    const latencies = all.map((b) => b.avgProcessLatency).filter((v): v is number => v !== null);
    return {
      receivedTotal: all.reduce((s, b) => s + b.receivedTotal, 0),
      processedSuccessfullyTotal: all.reduce((s, b) => s + b.processedSuccessfullyTotal, 0),
      systemExceptionsTotal: all.reduce((s, b) => s + b.systemExceptionsTotal, 0),
      userExceptionsTotal: all.reduce((s, b) => s + b.userExceptionsTotal, 0),
      avgProcessLatency:
        latencies.length === 0 ? null : latencies.reduce((s, v) => s + v, 0) / latencies.length,
    };
  };
  const invocations = sorted.map((i) => i.metrics.lastInvocation).filter((v): v is number => v !== null);
  return {
    ...overall((m) => m),
    '1min': overall((m) => m['1min']),
    lastInvocation: invocations.length === 0 ? null : Math.max(...invocations),
    instances: sorted,
  };
}
