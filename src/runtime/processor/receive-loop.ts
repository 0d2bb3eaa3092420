// The receive loop: takes a message only while the dispatcher has room, so the consumer's FLOW permits follow
// the pool and nothing is ever dropped. stop() ends it; a message that arrives after that is never started and
// never acknowledged, so the broker redelivers it once the consumer closes.
import { EncryptedMessageError, type Logger, type Message, MessageRefusedError } from '../../pulsar/index.ts';
import type { InputSource } from '../topic-manager/index.ts';
import type { Dispatcher } from './dispatcher.ts';
import { chainOf } from './invocation.ts';
import type { Ordering } from './policy.ts';

export interface ReceiveLoopOptions {
  readonly source: Pick<InputSource, 'receive' | 'negativeAcknowledge'>;
  readonly dispatcher: Pick<Dispatcher, 'whenRoom' | 'submit'>;
  readonly handle: (message: Message) => Promise<unknown>;
  /** Each message as it is taken, before it waits for its turn in its chain (handle runs then). */
  readonly onTaken?: (message: Message) => void;
  readonly ordering: Ordering;
  readonly logger: Logger;
  /** The consumer failed for good (not because stop() closed it): the instance cannot go on. */
  readonly onFatal: (error: unknown) => void;
  /** A failure of the runtime, not of a script (Pulsar's system_exceptions_total). */
  readonly onSystemException?: (reason: string) => void;
}

const STOPPED = Symbol('stopped');

export class ReceiveLoop {
  readonly #o: ReceiveLoopOptions;
  /** Ends the current wait early; set only while the loop waits. */
  #interrupt: (() => void) | undefined;
  #stopping = false;
  #running: Promise<void> | undefined;

  constructor(options: ReceiveLoopOptions) {
    this.#o = options;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Takes no more messages; resolves once the loop has left. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#interrupt?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { source, dispatcher, handle, ordering, logger } = this.#o;
    while (!this.#stopping) {
      await this.#untilStopped(dispatcher.whenRoom());
      if (this.#stopping) return;
      let next: Message | typeof STOPPED;
      try {
        next = await this.#untilStopped(source.receive());
      } catch (error) {
        if (this.#stopping) return;
        if (error instanceof MessageRefusedError) {
          this.#refused(error);
          continue;
        }
        this.#o.onFatal(error);
        return;
      }
      // Taken from the consumer as stop() came: not started, so left for redelivery.
      if (next === STOPPED || this.#stopping) return;
      const message = next;
      this.#o.onTaken?.(message);
      dispatcher.submit(
        chainOf(message, ordering),
        async () => {
          await handle(message);
        },
        (error) =>
          logger.error(
            { err: error, messageId: message.messageId.toString() },
            'unexpected error handling a message',
          ),
      );
    }
  }

  /**
   * pf-bash cannot decrypt, and receive() gives no payload to dead-letter: the id is negatively acknowledged so
   * the message comes back after the delay (to a consumer that may hold the key) and shows in the stats.
   */
  #refused(error: MessageRefusedError): void {
    const { source, logger } = this.#o;
    this.#o.onSystemException?.(error.message);
    if (!(error instanceof EncryptedMessageError)) {
      logger.error({ err: error }, 'message refused by the client; skipped');
      return;
    }
    logger.error(
      { err: error, messageId: error.messageId.toString(), topic: error.topic },
      `encrypted message ${error.messageId.toString()} refused (pf-bash cannot decrypt); negatively acknowledged`,
    );
    source.negativeAcknowledge(error.messageId);
  }

  /**
   * `promise`, or STOPPED as soon as stop() is called. Not Promise.race with one long-lived "stopped" promise:
   * every race would leave a reaction on it, holding the race's result (a message) for the instance's life.
   */
  #untilStopped<T>(promise: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.#stopping) return Promise.resolve(STOPPED);
    return new Promise<T | typeof STOPPED>((resolve, reject) => {
      this.#interrupt = () => resolve(STOPPED);
      promise.then(resolve, reject);
    }).finally(() => {
      this.#interrupt = undefined;
    });
  }
}
