// The instance's metrics: one prom-client Registry per instance (never the global one), Pulsar Functions'
// series plus pf-bash's, and the plain counts the status document is built from.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { type Clock, systemClock, type Timer } from '../../pulsar/util/index.ts';
import { type ExceptionInformation, LatestExceptions } from './latest-exceptions.ts';
import {
  DEFAULT_SCRIPT_DURATION_BUCKETS,
  LATENCY_PERCENTILES,
  type MetricsIdentity,
  metricLabels,
  PfBashMetric,
  PulsarFunctionMetric,
} from './names.ts';

export interface FunctionMetricsOptions {
  readonly identity: MetricsIdentity;
  /** The `cluster` label. Default `standalone` (Pulsar standalone's cluster name). */
  readonly cluster?: string;
  /** Drives the one-minute window and exception timestamps. Default the system clock. */
  readonly clock?: Clock;
  /** Exceptions of each kind kept for the status document. Default 10 (as Pulsar). */
  readonly latestExceptions?: number;
  /** Longer exception messages are cut. Default 1024 characters. */
  readonly maxExceptionLength?: number;
  /** Also register prom-client's process_* and nodejs_* metrics (resident memory, …). Default true. */
  readonly defaultMetrics?: boolean;
  /** Buckets of pf_bash_script_duration_seconds. Default DEFAULT_SCRIPT_DURATION_BUCKETS. */
  readonly scriptDurationBuckets?: readonly number[];
}

/** Pulsar's FunctionInstanceStatsDataBase, as plain numbers; averages are 0 when nothing was measured. */
export interface WindowCounts {
  readonly receivedTotal: number;
  readonly processedSuccessfullyTotal: number;
  readonly systemExceptionsTotal: number;
  readonly userExceptionsTotal: number;
  /** Milliseconds; 0 when no run was measured. */
  readonly avgProcessLatency: number;
}

/** What the status and stats documents are built from. */
export interface MetricsSnapshot extends WindowCounts {
  readonly instanceId: number;
  /** Counts since the last one-minute reset. */
  readonly oneMin: WindowCounts;
  /** Milliseconds since the epoch; 0 before the first run. */
  readonly lastInvocation: number;
  /** Oldest first; like Pulsar, cleared with the one-minute window. */
  readonly latestUserExceptions: readonly ExceptionInformation[];
  readonly latestSystemExceptions: readonly ExceptionInformation[];
}

const ONE_MINUTE_MS = 60_000;

/** Mutable plain counts of one window (all time, or the current minute). */
interface Counts {
  received: number;
  succeeded: number;
  systemExceptions: number;
  userExceptions: number;
  latencySumMs: number;
  latencyCount: number;
}

function zeroCounts(): Counts {
  return {
    received: 0,
    succeeded: 0,
    systemExceptions: 0,
    userExceptions: 0,
    latencySumMs: 0,
    latencyCount: 0,
  };
}

function windowCounts(c: Counts): WindowCounts {
  return {
    receivedTotal: c.received,
    processedSuccessfullyTotal: c.succeeded,
    systemExceptionsTotal: c.systemExceptions,
    userExceptionsTotal: c.userExceptions,
    avgProcessLatency: c.latencyCount === 0 ? 0 : c.latencySumMs / c.latencyCount,
  };
}

/**
 * What the processor calls as messages go through. Every record method is a few additions: the identity labels
 * are the registry's default labels, so the series themselves are unlabelled and prom-client takes its fast
 * path (no label hashing per call).
 */
export class FunctionMetrics {
  /** The instance's registry: serve it on /metrics, add more series to it. */
  readonly registry: Registry;
  readonly #clock: Clock;
  readonly #instanceId: number;
  readonly #resetTimer: Timer;
  #total = zeroCounts();
  #minute = zeroCounts();
  #lastInvocation = 0;
  readonly #latestUser: LatestExceptions;
  readonly #latestSystem: LatestExceptions;
  #closed = false;

  readonly #received: Counter;
  readonly #succeeded: Counter;
  readonly #systemExceptions: Counter;
  readonly #userExceptions: Counter;
  readonly #latency: Summary;
  readonly #lastInvocationGauge: Gauge;
  readonly #received1min: Counter;
  readonly #succeeded1min: Counter;
  readonly #systemExceptions1min: Counter;
  readonly #userExceptions1min: Counter;
  readonly #latency1min: Summary;
  readonly #held: Gauge;
  readonly #inFlight: Gauge;
  readonly #deadLettered: Counter;
  readonly #retries: Counter;
  readonly #published: Counter;
  readonly #scriptDuration: Histogram;
  readonly #scriptTimeouts: Counter;
  readonly #logDropped: Counter;

  constructor(options: FunctionMetricsOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#instanceId = options.identity.instanceId;
    const keep = options.latestExceptions ?? 10;
    const maxLength = options.maxExceptionLength ?? 1024;
    this.#latestUser = new LatestExceptions(keep, maxLength);
    this.#latestSystem = new LatestExceptions(keep, maxLength);

    const registry = new Registry();
    registry.setDefaultLabels(metricLabels(options.identity, options.cluster ?? 'standalone'));
    this.registry = registry;
    const registers = [registry];
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    const summary = (name: string, help: string, maxAgeSeconds?: number) =>
      new Summary({
        name,
        help,
        registers,
        percentiles: [...LATENCY_PERCENTILES],
        // Quantiles over a sliding window like the Prometheus Java client Pulsar uses (10 min, 5 buckets).
        ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds, ageBuckets: 5 }),
      });
    const M = PulsarFunctionMetric;
    this.#received = counter(M.ReceivedTotal, 'Total number of messages received from source.');
    this.#succeeded = counter(
      M.ProcessedSuccessfullyTotal,
      'Total number of messages processed successfully.',
    );
    this.#systemExceptions = counter(M.SystemExceptionsTotal, 'Total number of system exceptions.');
    this.#userExceptions = counter(M.UserExceptionsTotal, 'Total number of user exceptions.');
    this.#latency = summary(M.ProcessLatencyMs, 'Process latency in milliseconds.', 600);
    this.#lastInvocationGauge = gauge(
      M.LastInvocation,
      'The timestamp of the last invocation of the function.',
    );
    this.#received1min = counter(
      M.Received1min,
      'Total number of messages received from source in the last 1 minute.',
    );
    this.#succeeded1min = counter(
      M.ProcessedSuccessfully1min,
      'Total number of messages processed successfully in the last 1 minute.',
    );
    this.#systemExceptions1min = counter(
      M.SystemExceptions1min,
      'Total number of system exceptions in the last 1 minute.',
    );
    this.#userExceptions1min = counter(
      M.UserExceptions1min,
      'Total number of user exceptions in the last 1 minute.',
    );
    this.#latency1min = summary(
      M.ProcessLatencyMs1min,
      'Process latency in milliseconds in the last 1 minute.',
    );

    const P = PfBashMetric;
    this.#held = gauge(P.MessagesHeld, 'Messages held by the instance, queued and running.');
    this.#inFlight = gauge(P.ExecutionsInFlight, 'Scripts running now.');
    this.#deadLettered = counter(P.DeadLetteredTotal, 'Messages sent to the dead-letter topic.');
    this.#retries = counter(P.RetriesTotal, 'Messages negatively acknowledged for redelivery.');
    this.#published = counter(
      P.OutputMessagesPublishedTotal,
      'Messages published by the function: results and extra messages.',
    );
    this.#scriptDuration = new Histogram({
      name: P.ScriptDurationSeconds,
      help: 'Duration of script runs in seconds, whatever the outcome.',
      buckets: [...(options.scriptDurationBuckets ?? DEFAULT_SCRIPT_DURATION_BUCKETS)],
      registers,
    });
    this.#scriptTimeouts = counter(P.ScriptTimeoutsTotal, 'Script runs killed at the timeout.');
    this.#logDropped = counter(P.LogLinesDroppedTotal, 'Log lines that never reached the log topic.');

    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    // Pulsar resets the one-minute series at a fixed rate from start (ComponentStatsManager).
    this.#resetTimer = this.#clock.setInterval(() => this.#resetOneMinute(), ONE_MINUTE_MS);
  }

  /** A message arrived from an input topic. */
  recordReceived(): void {
    this.#total.received++;
    this.#minute.received++;
    this.#received.inc();
    this.#received1min.inc();
  }

  /** A run of the function starts now (sets last_invocation, as Pulsar does per record). */
  recordInvocation(): void {
    const now = this.#clock.now();
    this.#lastInvocation = now;
    this.#lastInvocationGauge.set(now);
  }

  /** The message was processed and everything it produced was published. */
  recordSuccess(latencyMs: number): void {
    this.#total.succeeded++;
    this.#minute.succeeded++;
    this.#succeeded.inc();
    this.#succeeded1min.inc();
    this.#observeLatency(latencyMs);
  }

  /**
   * The script failed (non-zero exit, timeout, …). `latencyMs`, when given, counts in process latency too (Pulsar
   * measures every run of the function, failed or not).
   */
  recordUserException(reason: string, latencyMs?: number): void {
    this.#total.userExceptions++;
    this.#minute.userExceptions++;
    this.#userExceptions.inc();
    this.#userExceptions1min.inc();
    this.#latestUser.add(reason, this.#clock.now());
    if (latencyMs !== undefined) this.#observeLatency(latencyMs);
  }

  /** The runtime failed around the script (publish, acknowledge, spawn, …). */
  recordSystemException(reason: string): void {
    this.#total.systemExceptions++;
    this.#minute.systemExceptions++;
    this.#systemExceptions.inc();
    this.#systemExceptions1min.inc();
    this.#latestSystem.add(reason, this.#clock.now());
  }

  /** One script run ended, whatever the outcome. */
  recordScriptRun(durationMs: number, timedOut: boolean): void {
    this.#scriptDuration.observe(durationMs / 1000);
    if (timedOut) this.#scriptTimeouts.inc();
  }

  recordDeadLettered(): void {
    this.#deadLettered.inc();
  }

  /** The message was negatively acknowledged and will come back. */
  recordRetry(): void {
    this.#retries.inc();
  }

  recordPublished(count = 1): void {
    this.#published.inc(count);
  }

  recordLogLinesDropped(count = 1): void {
    this.#logDropped.inc(count);
  }

  /** Messages held by the instance, queued and running. */
  setHeld(count: number): void {
    this.#held.set(count);
  }

  /** Scripts running now. */
  setInFlight(count: number): void {
    this.#inFlight.set(count);
  }

  snapshot(): MetricsSnapshot {
    return {
      instanceId: this.#instanceId,
      ...windowCounts(this.#total),
      oneMin: windowCounts(this.#minute),
      lastInvocation: this.#lastInvocation,
      latestUserExceptions: this.#latestUser.list(),
      latestSystemExceptions: this.#latestSystem.list(),
    };
  }

  /** The Prometheus text exposition of the registry. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops the one-minute timer; the values stay readable. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#resetTimer.cancel();
  }

  #observeLatency(latencyMs: number): void {
    this.#total.latencySumMs += latencyMs;
    this.#total.latencyCount++;
    this.#minute.latencySumMs += latencyMs;
    this.#minute.latencyCount++;
    this.#latency.observe(latencyMs);
    this.#latency1min.observe(latencyMs);
  }

  #resetOneMinute(): void {
    this.#minute = zeroCounts();
    this.#received1min.reset();
    this.#succeeded1min.reset();
    this.#systemExceptions1min.reset();
    this.#userExceptions1min.reset();
    this.#latency1min.reset();
    // Pulsar clears the latest exceptions with the window too (FunctionStatsManager.reset).
    this.#latestUser.clear();
    this.#latestSystem.clear();
  }
}
