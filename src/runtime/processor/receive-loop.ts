// The receive loop: takes a message only while the dispatcher has room, so the consumer's FLOW permits follow
// the pool and nothing is ever dropped. stop() ends it; a message that arrives after that is never started and
// never acknowledged, so the broker redelivers it once the consumer closes.
import { type Logger, type Message, MessageRefusedError } from '../../pulsar/index.ts';
import type { InputSource } from '../topic-manager/index.ts';
import type { Dispatcher } from './dispatcher.ts';
import { chainOf } from './invocation.ts';
import type { Ordering } from './policy.ts';

export interface ReceiveLoopOptions {
  readonly source: Pick<InputSource, 'receive'>;
  readonly dispatcher: Pick<Dispatcher, 'whenRoom' | 'submit'>;
  readonly handle: (message: Message) => Promise<unknown>;
  readonly ordering: Ordering;
  readonly logger: Logger;
  /** The consumer failed for good (not because stop() closed it): the instance cannot go on. */
  readonly onFatal: (error: unknown) => void;
}

const STOPPED = Symbol('stopped');

export class ReceiveLoop {
  readonly #o: ReceiveLoopOptions;
  readonly #stopped: Promise<typeof STOPPED>;
  #stop: () => void = () => {};
  #stopping = false;
  #running: Promise<void> | undefined;

  constructor(options: ReceiveLoopOptions) {
    this.#o = options;
    this.#stopped = new Promise((resolve) => {
      this.#stop = () => resolve(STOPPED);
    });
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Takes no more messages; resolves once the loop has left. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stop();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { source, dispatcher, handle, ordering, logger } = this.#o;
    while (!this.#stopping) {
      await Promise.race([dispatcher.whenRoom(), this.#stopped]);
      if (this.#stopping) return;
      let next: Message | typeof STOPPED;
      try {
        next = await Promise.race([source.receive(), this.#stopped]);
      } catch (error) {
        if (this.#stopping) return;
        if (error instanceof MessageRefusedError) {
          logger.warn({ err: error }, 'message refused by the client (e.g. encrypted); skipped');
          continue;
        }
        this.#o.onFatal(error);
        return;
      }
      // Taken from the consumer as stop() came: not started, so left for redelivery.
      if (next === STOPPED || this.#stopping) return;
      const message = next;
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
}
