// One message, start to end: run the script, publish what it produced, then acknowledge — or, on failure,
// retry (negative acknowledgement, or in place when order must hold) until the retries are used up, then
// dead-letter and acknowledge. Nothing here throws: every path ends in a Disposition (an unexpected error in a
// negative acknowledgement), and a bad message never stops the instance.
//
//   ATLEAST_ONCE      run → publish all → await receipts → ack          failure → retry … → dead letter → ack
//   ATMOST_ONCE       ack → run → publish                               failure → logged, dropped
//   EFFECTIVELY_ONCE  as at-least-once, with deterministic producer names and sequence ids; retried in place,
//                     never dead-lettered (the configuration refuses a dead-letter topic here)
//
// A message whose input partition moved to another consumer (Failover) is abandoned wherever it is — waiting,
// after its run, between retries — unless it was already acknowledged (at-most-once): the new owner runs it.
import type { Clock, Logger, Message } from '../../pulsar/index.ts';
import { ProcessingGuarantees } from '../config/index.ts';
import { type FunctionExecutor, type InvocationResult, Outcome } from '../function-executor/index.ts';
import type { InputSource, ProducerSource } from '../topic-manager/index.ts';
import { deadLetterMessage } from './dead-letter.ts';
import type { Pool } from './dispatcher.ts';
import {
  type Failure,
  publishFailure,
  RuntimeFailureCode,
  routingFailure,
  scriptFailure,
} from './failure.ts';
import { invocationOf } from './invocation.ts';
import { noMetrics, type ProcessorMetrics } from './metrics.ts';
import { type PlannedMessage, plannedMessages, RoutingError } from './outgoing.ts';
import { PartitionOwnership } from './ownership.ts';
import type { DeliveryPolicy } from './policy.ts';
import { PublishError, Publisher } from './publisher.ts';
import { sequenceAttempt } from './sequence.ts';

/** How a message left the instance. */
export const Disposition = {
  /** Processed, results receipted, acknowledged. */
  Acknowledged: 'acknowledged',
  /** Failed; negatively acknowledged for the broker to redeliver. */
  NegativelyAcknowledged: 'negatively-acknowledged',
  DeadLettered: 'dead-lettered',
  /** At-most-once: failed after it was acknowledged. */
  Dropped: 'dropped',
  /** Not finished (shutdown): left unacknowledged for redelivery to whichever consumer comes next. */
  Abandoned: 'abandoned',
} as const;
export type Disposition = (typeof Disposition)[keyof typeof Disposition];

export interface ProcessorOptions {
  readonly executor: FunctionExecutor;
  readonly input: Pick<InputSource, 'acknowledge' | 'negativeAcknowledge'>;
  readonly producers: ProducerSource;
  readonly policy: DeliveryPolicy;
  readonly pool: Pool;
  readonly fqfn: string;
  readonly instanceId: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: ProcessorMetrics;
  /** The instance cannot go on (a message that can neither succeed nor be dead-lettered): mark it failed. */
  readonly onFatal?: (reason: string) => void;
  /** Input partitions lost to another consumer (Failover). Default: none is ever lost. */
  readonly ownership?: PartitionOwnership;
}

export class Processor {
  readonly #o: ProcessorOptions;
  readonly #metrics: ProcessorMetrics;
  readonly #publisher: Publisher;
  readonly #abort = new AbortController();
  readonly #ownership: PartitionOwnership;
  #draining = false;
  /** Ends each retry wait under way (drain), or those of one input partition (lost). */
  readonly #pauses = new Set<{ readonly topic: string; readonly wake: () => void }>();

  constructor(options: ProcessorOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? noMetrics;
    this.#ownership = options.ownership ?? new PartitionOwnership();
    // A retry wait of a lost partition ends at once: its message is abandoned, not retried.
    this.#ownership.onLoss((topic) => {
      for (const pause of this.#pauses) if (pause.topic === topic) pause.wake();
    });
    const { policy } = options;
    this.#publisher = new Publisher({
      producers: options.producers,
      ...(policy.effectivelyOnce ? { fqfn: options.fqfn } : {}),
      flushEachMessage: policy.ordering !== 'none',
    });
  }

  /** From now on, messages not started yet, and failed ones waiting for a retry, are left for redelivery. */
  drain(): void {
    this.#draining = true;
    // Retry waits end now: their messages are left for redelivery rather than holding up the drain.
    for (const pause of this.#pauses) pause.wake();
  }

  /**
   * The receive loop took `message` from the consumer: it belongs to its partition's current ownership. Called
   * before it waits for its turn, so that a loss while it waits makes it stale even if the partition returns.
   */
  taken(message: Message): void {
    this.#ownership.take(message);
  }

  /** Kills running scripts and ends retry waits: their messages are left unacknowledged. */
  abort(): void {
    this.#draining = true;
    this.#abort.abort();
  }

  async handle(message: Message): Promise<Disposition> {
    if (this.#draining) return Disposition.Abandoned;
    this.#ownership.take(message);
    if (this.#lost(message)) return this.#abandonLost(message);
    this.#metrics.received();
    try {
      return await this.#handle(message);
    } catch (error) {
      return this.#unexpected(message, error);
    }
  }

  /** A bug or a broken dependency threw: the message still ends in a disposition, never left held. */
  #unexpected(message: Message, error: unknown): Disposition {
    this.#metrics.systemException(`unexpected error handling a message: ${errorText(error)}`);
    this.#o.logger.error({ ...this.#fields(message), err: error }, 'unexpected error handling a message');
    if (this.#draining) return this.#abandon(message, 'it failed unexpectedly while draining');
    try {
      this.#o.input.negativeAcknowledge(message);
    } catch (nackError) {
      this.#o.logger.error({ ...this.#fields(message), err: nackError }, 'negative acknowledgement failed');
      return Disposition.Abandoned;
    }
    return Disposition.NegativelyAcknowledged;
  }

  async #handle(message: Message): Promise<Disposition> {
    const { policy, input } = this.#o;
    const atMostOnce = policy.guarantees === ProcessingGuarantees.AtMostOnce;
    if (atMostOnce) await input.acknowledge(message);
    for (let attempt = 0; ; attempt++) {
      const failure = await this.#attempt(message, attempt);
      if (failure === 'lost') return this.#abandonLost(message);
      if (failure === 'aborted') {
        if (!atMostOnce) return this.#abandon(message, 'its script was killed at the drain timeout');
        this.#o.logger.warn(this.#fields(message), 'dropped: its script was killed at the drain timeout');
        return Disposition.Dropped;
      }
      if (failure === undefined) {
        if (!atMostOnce) await input.acknowledge(message);
        return Disposition.Acknowledged;
      }
      if (atMostOnce) {
        this.#logFailure(message, failure, attempt, 'dropped: at-most-once acknowledged it before the run');
        return Disposition.Dropped;
      }
      // Neither retried nor dead-lettered here: the partition's new owner runs it from the start.
      if (this.#lost(message)) return this.#abandonLost(message);
      const retries = message.redeliveryCount + attempt;
      const deadLetterTopic = policy.deadLetterTopic(message.topic);
      const exhausted = policy.maxRetries !== null && retries >= policy.maxRetries;
      if (deadLetterTopic !== null && (failure.permanent || exhausted)) {
        this.#logFailure(message, failure, attempt, `dead-lettering to ${deadLetterTopic}`);
        return this.#deadLetter(message, failure, deadLetterTopic, retries);
      }
      if (failure.code === RuntimeFailureCode.SequenceIdRange) {
        // Retrying in place would stall its key or partition forever, silently: fail the instance instead.
        this.#o.logger.error(
          { ...this.#fields(message), failure: failure.code },
          `${failure.reason}; no retry can succeed and there is no dead-letter topic: the instance has failed`,
        );
        this.#o.onFatal?.(failure.reason);
        return this.#abandon(message, 'it can never be published under effectively-once');
      }
      this.#metrics.retried();
      if (!policy.retryInPlace) {
        this.#logFailure(message, failure, attempt, `redelivery in ${policy.retryDelayMs} ms`);
        input.negativeAcknowledge(message);
        return Disposition.NegativelyAcknowledged;
      }
      const note = failure.permanent
        ? `a permanent failure cannot be dead-lettered under ${policy.guarantees}; retrying in ${policy.retryDelayMs} ms`
        : `retrying in place in ${policy.retryDelayMs} ms to keep order`;
      this.#logFailure(message, failure, attempt, note);
      const waited = await this.#pause(message.topic, policy.retryDelayMs);
      if (this.#lost(message)) return this.#abandonLost(message);
      if (!waited || this.#draining) {
        return this.#abandon(message, 'shutdown came while it waited for a retry');
      }
    }
  }

  /** One run and its publishing; undefined when everything was receipted. */
  async #attempt(message: Message, attempt: number): Promise<Failure | 'aborted' | 'lost' | undefined> {
    const { executor, pool, policy } = this.#o;
    const metrics = this.#metrics;
    const invocation = invocationOf(message, attempt);
    const signal = this.#abort.signal;
    const result: InvocationResult | undefined = await pool.run(async () => {
      // Lost while it waited for a slot: not worth running.
      if (this.#lost(message)) return undefined;
      metrics.invoked();
      return executor.run(invocation, signal);
    });
    if (result === undefined) return 'lost';
    if (result.aborted) return 'aborted';
    metrics.scriptRan(result.durationMs, result.timedOut);
    // Lost while the script ran: its results are the new owner's to publish.
    if (this.#lost(message)) return 'lost';
    if (result.outcome !== Outcome.Success) {
      const failure = scriptFailure(result);
      metrics.userException(failure.reason, result.durationMs);
      return failure;
    }
    const sequence = policy.effectivelyOnce ? sequenceAttempt(message) : undefined;
    let planned: PlannedMessage[];
    try {
      planned = plannedMessages(result, policy.outputTopic);
    } catch (error) {
      if (!(error instanceof RoutingError)) throw error;
      const failure = routingFailure(result, error);
      metrics.userException(failure.reason, result.durationMs);
      return failure;
    }
    try {
      await this.#publisher.publish(planned, message, sequence);
    } catch (error) {
      // Effectively-once refuses the lost partition's producer (it is the new owner's now): not a failure.
      if (this.#lost(message)) return 'lost';
      const topic = error instanceof PublishError ? error.topic : 'the output';
      const failure = publishFailure(result, topic, error);
      metrics.systemException(failure.reason);
      return failure;
    }
    metrics.published(planned.length);
    metrics.processed(result.durationMs);
    return undefined;
  }

  async #deadLetter(
    message: Message,
    failure: Failure,
    topic: string,
    retries: number,
  ): Promise<Disposition> {
    const { fqfn, instanceId, input, policy } = this.#o;
    const letter = deadLetterMessage(message, failure, { fqfn, instanceId, redeliveryCount: retries });
    for (;;) {
      try {
        await this.#publisher.deadLetter(topic, letter);
        this.#metrics.deadLettered();
        this.#metrics.published(1);
        await input.acknowledge(message);
        this.#o.logger.warn(
          { ...this.#fields(message), deadLetterTopic: topic, failure: failure.code },
          'dead-lettered',
        );
        return Disposition.DeadLettered;
      } catch (error) {
        this.#metrics.systemException(`dead-lettering to ${topic} failed: ${errorText(error)}`);
        this.#o.logger.error(
          { ...this.#fields(message), deadLetterTopic: topic, err: error },
          'dead-lettering failed',
        );
      }
      if (!policy.retryInPlace) {
        input.negativeAcknowledge(message);
        return Disposition.NegativelyAcknowledged;
      }
      // In order: only the dead letter is retried, not the script.
      const waited = await this.#pause(message.topic, policy.retryDelayMs);
      if (this.#lost(message)) return this.#abandonLost(message);
      if (!waited || this.#draining) {
        return this.#abandon(message, 'shutdown came while it waited to be dead-lettered');
      }
    }
  }

  #abandon(message: Message, why: string): Disposition {
    this.#o.logger.info(this.#fields(message), `left unacknowledged for redelivery: ${why}`);
    return Disposition.Abandoned;
  }

  /**
   * Its partition moved to another consumer since it was taken. An at-most-once message was acknowledged on
   * receipt, so the new owner never gets it: it is finished here all the same.
   */
  #lost(message: Message): boolean {
    return this.#o.policy.guarantees !== ProcessingGuarantees.AtMostOnce && !this.#ownership.holds(message);
  }

  #abandonLost(message: Message): Disposition {
    return this.#abandon(message, 'its partition moved to another consumer, which processes it from there');
  }

  /** Waits `ms` unless aborted, drained or the partition of `topic` lost first; false then. */
  #pause(topic: string, ms: number): Promise<boolean> {
    const signal = this.#abort.signal;
    if (signal.aborted || this.#draining) return Promise.resolve(false);
    return new Promise((resolve) => {
      const end = (waited: boolean) => {
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        this.#pauses.delete(pause);
        resolve(waited);
      };
      const onAbort = () => end(false);
      const pause = { topic, wake: onAbort };
      const timer = this.#o.clock.setTimeout(() => end(true), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pauses.add(pause);
    });
  }

  #logFailure(message: Message, failure: Failure, attempt: number, next: string): void {
    this.#o.logger.warn(
      {
        ...this.#fields(message),
        attempt: attempt + 1,
        redeliveryCount: message.redeliveryCount + attempt,
        failure: failure.code,
        exitCode: failure.exitCode,
        signal: failure.signal,
        stderrTail: failure.stderrTail,
      },
      `${failure.reason}; ${next}`,
    );
  }

  #fields(message: Message): Record<string, unknown> {
    return { messageId: message.messageId.toString(), topic: message.topic };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
