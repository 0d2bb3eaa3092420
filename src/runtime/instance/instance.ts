// One function instance, wired: config → executor → client (token, TLS) → producers and subscription →
// dispatcher, processor, receive loop → metrics, logs (stdout and log topic), HTTP probes. start() resolves once
// messages flow; `finished` resolves with the exit code once the instance has stopped (stop(), a signal, or a
// failure it cannot recover from).
import { type Client, type Clock, createClient, systemClock, type Timer } from '../../pulsar/index.ts';
import {
  type ConfigProblem,
  ExecutionMode,
  type FunctionRuntimeConfig,
  formatProblem,
  redactedConfig,
} from '../config/index.ts';
import { createExecExecutor, type FunctionExecutor } from '../function-executor/index.ts';
import {
  createObservabilityProvider,
  InstanceHealth,
  type ObservabilityServer,
  startObservabilityServer,
} from '../http/index.ts';
import {
  createInstanceLogging,
  type InstanceLogging,
  LogTopicSink,
  scriptLogForwarders,
} from '../logging/index.ts';
import { FunctionMetrics } from '../metrics/index.ts';
import { functionInstanceOf } from '../modes/function-instance.ts';
import { runningLimit, scriptRestarts, streamExecutorFor } from '../modes/stream.ts';
import {
  Dispatcher,
  deliveryPolicyFor,
  effectivelyOnceProducerName,
  PartitionOwnership,
  Processor,
  ReceiveLoop,
} from '../processor/index.ts';
import { onTerminationSignals, type SignalSource, shutdown } from '../shutdown.ts';
import { ConsumerManager, ProducerManager } from '../topic-manager/index.ts';
import { clientOptionsFor } from './client-options.ts';
import { watchConnection } from './connection-watch.ts';
import { partitionHandover } from './partition-handover.ts';
import { processorMetricsOf } from './processor-metrics.ts';

export interface InstanceOptions {
  readonly config: FunctionRuntimeConfig;
  /** Ignored settings, logged at start. */
  readonly warnings?: readonly ConfigProblem[];
  /** Overrides the configuration's PF_HTTP_HOST. */
  readonly httpHost?: string;
  /** Default: pino on stdout. */
  readonly logging?: InstanceLogging;
  /** Signals that stop the instance. Default `process`; null: none (tests call stop()). */
  readonly signals?: SignalSource | null;
  readonly clock?: Clock;
  /** Default: exec mode (a bash process per message). */
  readonly executor?: FunctionExecutor;
}

/** Time for closing each of consumer, producers, log sink, client, HTTP server before giving up on it. */
const CLOSE_TIMEOUT_MS = 10_000;

export class Instance {
  readonly config: FunctionRuntimeConfig;
  readonly health = new InstanceHealth();
  readonly metrics: FunctionMetrics;
  /** Resolves with the process exit code: 0 after a clean stop, 1 after a failure. */
  readonly finished: Promise<number>;
  readonly #logging: InstanceLogging;
  readonly #clock: Clock;
  readonly #options: InstanceOptions;
  #finish: (code: number) => void = () => {};
  #http: ObservabilityServer | undefined;
  #executor: FunctionExecutor | undefined;
  #client: Client | undefined;
  #sink: LogTopicSink | undefined;
  #producers: ProducerManager | undefined;
  #consumer: ConsumerManager | undefined;
  #dispatcher: Dispatcher | undefined;
  #processor: Processor | undefined;
  #loop: ReceiveLoop | undefined;
  #watch: Timer | undefined;
  #removeSignals: () => void = () => {};
  #stopping: Promise<void> | undefined;
  #hurry: () => void = () => {};
  #exitCode = 0;

  private constructor(options: InstanceOptions) {
    this.#options = options;
    this.config = options.config;
    this.#clock = options.clock ?? systemClock;
    this.#logging =
      options.logging ??
      createInstanceLogging({
        level: options.config.logLevel,
        bindings: { fqfn: options.config.function.fqfn, instanceId: options.config.function.instanceId },
      });
    this.metrics = new FunctionMetrics({ identity: options.config.function, clock: this.#clock });
    this.finished = new Promise((resolve) => {
      this.#finish = resolve;
    });
  }

  get logger() {
    return this.#logging.logger;
  }

  /** The bound HTTP server (its port, with PF_HTTP_PORT=0). */
  get http(): ObservabilityServer | undefined {
    return this.#http;
  }

  /**
   * Starts everything; resolves once subscribed and running. On failure, closes what was opened and rejects
   * (the caller exits non-zero); `finished` then resolves with 1.
   */
  static async start(options: InstanceOptions): Promise<Instance> {
    const instance = new Instance(options);
    try {
      await instance.#start();
    } catch (error) {
      instance.logger.error({ err: error }, 'the instance could not start');
      instance.health.markFailed(error instanceof Error ? error.message : String(error));
      await instance.stop(1);
      throw error;
    }
    return instance;
  }

  async #start(): Promise<void> {
    const { config } = this;
    const logger = this.logger;
    const local = this.#logging.local;
    logger.info({ config: redactedConfig(config) }, 'starting');
    for (const warning of this.#options.warnings ?? []) logger.warn({}, formatProblem(warning));
    if (this.#options.signals !== null) {
      this.#removeSignals = onTerminationSignals(this.#options.signals ?? process, (signal, count) => {
        if (count === 1) {
          logger.info({ signal }, 'shutting down');
          void this.stop();
        } else {
          logger.warn({ signal }, 'second signal: ending the drain now');
          this.#hurry();
        }
      });
    }

    const provider = createObservabilityProvider({
      metrics: this.metrics,
      health: this.health,
      // Read at each request: the executor is built after the HTTP server starts.
      numRestarts: () => scriptRestarts(this.#executor),
    });
    const http = await startObservabilityServer({
      provider,
      port: config.httpPort,
      host: this.#options.httpHost ?? config.httpHost,
      logger: local,
    });
    this.#http = http;
    // A signal came while starting: stop()'s closers may have run before this existed (close() is idempotent).
    if (this.#stopping !== undefined) return this.#startCancelled(() => http.close());

    const executor = this.#options.executor ?? this.#createExecutor();
    this.#executor = executor;
    const client = createClient(clientOptionsFor(config.broker, local.child({ component: 'pulsar' })));
    this.#client = client;
    if (config.logTopic !== null) {
      const sink = new LogTopicSink({
        client,
        topic: config.logTopic,
        fqn: config.function.fqfn,
        instanceId: config.function.instanceId,
        clock: this.#clock,
        logger: local,
        onDropped: (count) => this.metrics.recordLogLinesDropped(count),
      });
      this.#sink = sink;
      void sink.start();
      this.#logging.attachSink(sink);
    }

    const policy = deliveryPolicyFor(config);
    const producers = new ProducerManager({
      client,
      logger: local.child({ component: 'producers' }),
      properties: { function: config.function.fqfn },
    });
    this.#producers = producers;
    if (policy.effectivelyOnce) {
      logger.info(
        {},
        'EFFECTIVELY_ONCE: outputs carry sequence ids derived from input message ids; duplicates are dropped only where the namespace has deduplication enabled (brokerDeduplicationEnabled, or pulsar-admin namespaces set-deduplication)',
      );
    }
    // Failover: partitions another instance took over are neither published nor acknowledged here.
    const ownership = new PartitionOwnership();
    const { fqfn } = config.function;
    let consumer: ConsumerManager;
    try {
      consumer = await ConsumerManager.subscribe({
        client,
        config,
        logger,
        onActiveChange: partitionHandover({
          ownership,
          producers,
          producerNameOf: policy.effectivelyOnce
            ? (inputTopic) => effectivelyOnceProducerName(fqfn, inputTopic)
            : undefined,
          logger,
        }),
      });
    } catch (error) {
      // stop() closing the client fails the subscription: that is the stop, not a failure to start.
      if (this.#stopping !== undefined) return this.#startCancelled(async () => {});
      throw error;
    }
    this.#consumer = consumer;
    if (this.#stopping !== undefined) return this.#startCancelled(() => consumer.close());

    const dispatcher = new Dispatcher({
      concurrency: runningLimit(config),
      maxHeld: config.pool.maxPending,
      onHeldChange: (held) => this.metrics.setHeld(held),
      onRunningChange: (running) => this.metrics.setInFlight(running),
    });
    this.#dispatcher = dispatcher;
    const processorMetrics = processorMetricsOf(this.metrics);
    const processor = new Processor({
      executor,
      input: consumer,
      producers,
      policy,
      pool: dispatcher,
      fqfn: config.function.fqfn,
      instanceId: config.function.instanceId,
      clock: this.#clock,
      logger,
      metrics: processorMetrics,
      ownership,
      onFatal: (reason) => {
        this.health.markFailed(reason);
        void this.stop(1);
      },
    });
    this.#processor = processor;
    const loop = new ReceiveLoop({
      source: consumer,
      dispatcher,
      handle: (message) => processor.handle(message),
      onTaken: (message) => processor.taken(message),
      ordering: policy.ordering,
      logger,
      onFatal: (error) => {
        logger.error({ err: error }, 'the subscription failed for good; stopping');
        this.health.markFailed(error instanceof Error ? error.message : String(error));
        void this.stop(1);
      },
      onSystemException: (reason) => processorMetrics.systemException(reason),
    });
    this.#loop = loop;
    if (this.#stopping !== undefined) return; // a signal came while starting
    this.#watch = watchConnection(() => consumer.isConnected, { clock: this.#clock, logger });
    loop.start();
    this.health.markRunning({
      subscribed: () => consumer.isConnected,
      // Stream mode: not ready while no script process is up (the executor logs why).
      scriptRunning: () => executor.ready !== false,
    });
    logger.info(
      { concurrency: config.pool.concurrency, maxPending: config.pool.maxPending, ordering: policy.ordering },
      'running',
    );
  }

  /** Start gave way to a stop that came while it awaited: closes what stop()'s closers may have missed. */
  async #startCancelled(close: () => Promise<void>): Promise<void> {
    this.logger.info({}, 'stopped while starting');
    await close().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'closing after a cancelled start'),
    );
  }

  #createExecutor(): FunctionExecutor {
    const { config } = this;
    if (config.mode === ExecutionMode.Stream) return streamExecutorFor(config, this.logger, this.#clock);
    return createExecExecutor({
      scriptPath: config.script.path,
      instance: functionInstanceOf(config),
      timeoutMs: config.script.timeoutMs,
      killGraceMs: config.script.killGraceMs,
      trimTrailingNewline: config.output.trimTrailingNewline,
      payloadAsArgument: config.script.payloadAsArgument,
      forwardSourceMessageProperty: config.output.forwardSourceMessageProperty,
      ...scriptLogForwarders(this.logger),
    });
  }

  /**
   * Drains and closes (shutdown.ts); idempotent. `exitCode` is what `finished` resolves with (the first
   * non-zero one given wins).
   */
  stop(exitCode = 0): Promise<void> {
    if (exitCode !== 0 && this.#exitCode === 0) this.#exitCode = exitCode;
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { config } = this;
    const logger = this.logger;
    this.health.markDraining();
    const held = this.#dispatcher?.held ?? 0;
    logger.info({ held, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    const report = await shutdown(
      {
        stopIntake: async () => {
          // Nothing starts from here on, not even a message already queued in a key's chain.
          this.#processor?.drain();
          await this.#loop?.stop();
        },
        whenIdle: () => this.#dispatcher?.whenIdle() ?? Promise.resolve(),
        abort: () => this.#processor?.abort(),
        closers: [
          // Drained by now: stream mode's processes get end of input, then a group kill if they linger.
          { name: 'script processes', close: async () => this.#executor?.close?.() },
          { name: 'consumer', close: async () => this.#consumer?.close() },
          { name: 'producers', close: async () => this.#producers?.close() },
          {
            name: 'log topic',
            close: async () => {
              this.#logging.detachSink();
              await this.#sink?.close();
            },
          },
          { name: 'client', close: async () => this.#client?.close() },
          { name: 'HTTP server', close: async () => this.#http?.close() },
        ],
      },
      {
        drainTimeoutMs: config.drainTimeoutMs,
        abortWaitMs: config.script.killGraceMs + 5_000,
        closeTimeoutMs: CLOSE_TIMEOUT_MS,
        clock: this.#clock,
        logger,
        hurry: new Promise((resolve) => {
          this.#hurry = resolve;
        }),
      },
    );
    this.#watch?.cancel();
    this.#removeSignals();
    this.metrics.close();
    this.health.markStopped();
    logger.info({ drained: report.drained, stuck: report.stuck, exitCode: this.#exitCode }, 'stopped');
    this.#finish(this.#exitCode);
  }
}
