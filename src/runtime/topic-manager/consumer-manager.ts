// The ConsumerManager: the instance's one subscription over its inputs (or topics pattern). It hands messages
// to the receive loop and takes their acknowledgements; an acknowledgement that cannot be sent is logged,
// never thrown, since the message then simply comes back (at-least-once).
import type { Client, Consumer, Logger, Message, MessageId } from '../../pulsar/index.ts';
import type { FunctionRuntimeConfig } from '../config/index.ts';
import { consumerOptionsFor } from './consumer-options.ts';

/** What the delivery path needs from the input side. */
export interface InputSource {
  receive(): Promise<Message>;
  acknowledge(message: Message): Promise<void>;
  /** A message id alone: a message the consumer refused (encrypted) and never handed over. */
  negativeAcknowledge(message: Message | MessageId): void;
}

export interface ConsumerManagerOptions {
  readonly client: Pick<Client, 'subscribe'>;
  readonly config: FunctionRuntimeConfig;
  readonly logger: Logger;
  /** Failover: this instance became (or stopped being) the active consumer of a partition. */
  readonly onActiveChange?: (active: boolean, partition: number, topic: string) => void;
}

export class ConsumerManager implements InputSource {
  readonly #consumer: Consumer;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  private constructor(consumer: Consumer, logger: Logger) {
    this.#consumer = consumer;
    this.#logger = logger;
  }

  /** Subscribes; rejects with the client's error when the broker refuses the subscription. */
  static async subscribe(options: ConsumerManagerOptions): Promise<ConsumerManager> {
    const consumerOptions = consumerOptionsFor(options.config, options.onActiveChange);
    const consumer = await options.client.subscribe(consumerOptions);
    const logger = options.logger.child({ subscription: consumer.subscription });
    logger.info(
      {
        topics: consumerOptions.topics ?? consumerOptions.topicsPattern,
        type: consumerOptions.subscriptionType,
        receiverQueueSize: consumerOptions.receiverQueueSize,
      },
      'subscribed',
    );
    return new ConsumerManager(consumer, logger);
  }

  get isConnected(): boolean {
    return this.#consumer.isConnected;
  }

  receive(): Promise<Message> {
    return this.#consumer.receive();
  }

  async acknowledge(message: Message): Promise<void> {
    try {
      await this.#consumer.acknowledge(message);
    } catch (error) {
      this.#logger.warn(
        { err: error, messageId: message.messageId.toString(), topic: message.topic },
        'acknowledgement not sent; the message will be redelivered',
      );
    }
  }

  negativeAcknowledge(message: Message | MessageId): void {
    try {
      this.#consumer.negativeAcknowledge(message);
    } catch (error) {
      // Closed or failed: the broker redelivers every unacknowledged message anyway.
      const id = 'messageId' in message ? message.messageId : message;
      this.#logger.debug({ err: error, messageId: id.toString() }, 'negative acknowledgement not sent');
    }
  }

  /** Sends pending acknowledgements and closes; idempotent. Unacknowledged messages go to other consumers. */
  close(): Promise<void> {
    this.#closing ??= this.#consumer.close().catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'consumer close failed');
    });
    return this.#closing;
  }
}
