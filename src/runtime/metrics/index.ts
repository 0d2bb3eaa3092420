// The instance's metrics (Prometheus, with Pulsar Functions' names and labels) and the status and stats
// documents built from them. Everything the runtime may import from here.
export {
  FunctionMetrics,
  type FunctionMetricsOptions,
  type MetricsSnapshot,
  type WindowCounts,
} from './function-metrics.ts';
export type { ExceptionInformation } from './latest-exceptions.ts';
export {
  DEFAULT_SCRIPT_DURATION_BUCKETS,
  LATENCY_PERCENTILES,
  METRIC_LABEL_NAMES,
  type MetricLabelName,
  type MetricsIdentity,
  metricLabels,
  PfBashMetric,
  PulsarFunctionMetric,
} from './names.ts';
export {
  type FunctionInstanceStats,
  type FunctionInstanceStatsData,
  type FunctionInstanceStatus,
  type FunctionInstanceStatusData,
  type FunctionStats,
  type FunctionStatsDataBase,
  type FunctionStatus,
  functionStats,
  functionStatus,
  type InstanceState,
  mergeFunctionStats,
  mergeFunctionStatus,
} from './status.ts';
