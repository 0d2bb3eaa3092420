// The names and labels of the instance's metrics: Pulsar Functions' own (FunctionStatsManager and
// ComponentStatsManager, as Pulsar 3.x+ exposes them: counters end in `_total`, so the one-minute twins are
// `…_1min_total`) and pf-bash's (`pf_bash_`).

/** Pulsar Functions' series. Counters and the latency summary have one-minute twins, reset every minute. */
export const PulsarFunctionMetric = {
  ReceivedTotal: 'pulsar_function_received_total',
  ProcessedSuccessfullyTotal: 'pulsar_function_processed_successfully_total',
  SystemExceptionsTotal: 'pulsar_function_system_exceptions_total',
  UserExceptionsTotal: 'pulsar_function_user_exceptions_total',
  /** Summary, quantiles 0.5/0.9/0.99/0.999 over the last 10 minutes (Prometheus Java client's default). */
  ProcessLatencyMs: 'pulsar_function_process_latency_ms',
  /** Gauge: milliseconds since the epoch when the last run started; 0 before the first. */
  LastInvocation: 'pulsar_function_last_invocation',
  Received1min: 'pulsar_function_received_1min_total',
  ProcessedSuccessfully1min: 'pulsar_function_processed_successfully_1min_total',
  SystemExceptions1min: 'pulsar_function_system_exceptions_1min_total',
  UserExceptions1min: 'pulsar_function_user_exceptions_1min_total',
  ProcessLatencyMs1min: 'pulsar_function_process_latency_ms_1min',
} as const;
export type PulsarFunctionMetric = (typeof PulsarFunctionMetric)[keyof typeof PulsarFunctionMetric];

/** pf-bash's own series. */
export const PfBashMetric = {
  /** Gauge: messages the instance holds, queued and running. */
  MessagesHeld: 'pf_bash_messages_held',
  /** Gauge: scripts running now. */
  ExecutionsInFlight: 'pf_bash_executions_in_flight',
  DeadLetteredTotal: 'pf_bash_dead_lettered_total',
  /** Negative acknowledgements: runs that will be retried. */
  RetriesTotal: 'pf_bash_retries_total',
  /** Messages published for the function: results and the script's extra messages. */
  OutputMessagesPublishedTotal: 'pf_bash_output_messages_published_total',
  /** Histogram of script run durations, whatever the outcome. */
  ScriptDurationSeconds: 'pf_bash_script_duration_seconds',
  ScriptTimeoutsTotal: 'pf_bash_script_timeouts_total',
  /** Log lines that never reached the log topic (queue full, send failed, sink closed). */
  LogLinesDroppedTotal: 'pf_bash_log_lines_dropped_total',
} as const;
export type PfBashMetric = (typeof PfBashMetric)[keyof typeof PfBashMetric];

/** The labels every series carries, in Pulsar's order (ComponentStatsManager.metricsLabelNames). */
export const METRIC_LABEL_NAMES = ['tenant', 'namespace', 'name', 'instance_id', 'cluster', 'fqfn'] as const;
export type MetricLabelName = (typeof METRIC_LABEL_NAMES)[number];

export const LATENCY_PERCENTILES = [0.5, 0.9, 0.99, 0.999] as const;

/** Seconds; from a fast `reverse.sh` (~2 ms) to scripts that run for minutes. */
export const DEFAULT_SCRIPT_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;

/** Who the instance is, as the metrics label it. config's FunctionIdentity satisfies it. */
export interface MetricsIdentity {
  readonly tenant: string;
  readonly namespace: string;
  readonly name: string;
  readonly instanceId: number;
}

/**
 * The label values of this instance. As in Pulsar, `namespace` is `tenant/namespace` and `fqfn` is
 * `tenant/namespace/name`.
 */
export function metricLabels(identity: MetricsIdentity, cluster: string): Record<MetricLabelName, string> {
  const { tenant, namespace, name, instanceId } = identity;
  return {
    tenant,
    namespace: `${tenant}/${namespace}`,
    name,
    instance_id: String(instanceId),
    cluster,
    fqfn: `${tenant}/${namespace}/${name}`,
  };
}
