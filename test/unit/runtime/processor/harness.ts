// A Processor wired to fakes, from an environment as the instance would read it.
import assert from 'node:assert/strict';
import {
  type FunctionRuntimeConfig,
  formatProblems,
  loadConfig,
} from '../../../../src/runtime/config/index.ts';
import {
  Dispatcher,
  deliveryPolicyFor,
  Processor,
  type ProcessorMetrics,
} from '../../../../src/runtime/processor/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { FakeExecutor, FakeInput, FakeProducers, Journal, MemoryLogger } from './fakes.ts';

export function configFrom(env: Record<string, string>): FunctionRuntimeConfig {
  const result = loadConfig(
    { PF_SCRIPT: '/fn/f.sh', PF_INPUTS: 'in', PF_OUTPUT: 'out', ...env },
    (path) => (path === '/fn/f.sh' ? 'cat\n' : undefined),
    { cpuCount: 4 },
  );
  assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
  return result.config;
}

export class RecordingMetrics implements ProcessorMetrics {
  readonly counts: Record<string, number> = {};
  readonly latencies: number[] = [];
  readonly reasons: string[] = [];
  #count(name: string, by = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + by;
  }
  received(): void {
    this.#count('received');
  }
  invoked(): void {
    this.#count('invoked');
  }
  scriptRan(): void {
    this.#count('scriptRan');
  }
  processed(durationMs: number): void {
    this.#count('processed');
    this.latencies.push(durationMs);
  }
  userException(reason: string): void {
    this.#count('userException');
    this.reasons.push(reason);
  }
  systemException(reason: string): void {
    this.#count('systemException');
    this.reasons.push(reason);
  }
  published(count: number): void {
    this.#count('published', count);
  }
  retried(): void {
    this.#count('retried');
  }
  deadLettered(): void {
    this.#count('deadLettered');
  }
}

export function harness(env: Record<string, string> = {}) {
  const config = configFrom(env);
  const journal = new Journal();
  const input = new FakeInput(journal);
  const producers = new FakeProducers(journal);
  const executor = new FakeExecutor(journal);
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const metrics = new RecordingMetrics();
  const dispatcher = new Dispatcher({
    concurrency: config.pool.concurrency,
    maxHeld: config.pool.maxPending,
  });
  const policy = deliveryPolicyFor(config);
  const processor = new Processor({
    executor,
    input,
    producers,
    policy,
    pool: dispatcher,
    fqfn: config.function.fqfn,
    instanceId: config.function.instanceId,
    clock,
    logger,
    metrics,
  });
  return {
    config,
    journal,
    input,
    producers,
    executor,
    clock,
    logger,
    metrics,
    dispatcher,
    policy,
    processor,
  };
}
