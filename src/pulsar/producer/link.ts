// One registration of a producer on one connection (the ProducerHandler the connection calls), and which
// broker errors end a producer for good.
import type { Connection, ProducerHandler } from '../connection/contract.ts';
import { ServerError, ServerErrorCode } from '../errors.ts';
import type { CommandCloseProducer, CommandSendError, CommandSendReceipt } from '../protocol/index.ts';

/** What a Link reports to; the producer ignores events from a link that is no longer its current one. */
export interface LinkOwner {
  handleReceipt(link: Link, receipt: CommandSendReceipt): void;
  handleSendError(link: Link, command: CommandSendError): void;
  handleLinkLost(link: Link, reason: string): void;
}

export class Link implements ProducerHandler {
  readonly connection: Connection;
  readonly #owner: LinkOwner;

  constructor(owner: LinkOwner, connection: Connection) {
    this.#owner = owner;
    this.connection = connection;
  }

  onSendReceipt(command: CommandSendReceipt): void {
    this.#owner.handleReceipt(this, command);
  }

  onSendError(command: CommandSendError): void {
    this.#owner.handleSendError(this, command);
  }

  onCloseProducer(_command: CommandCloseProducer): void {
    this.#owner.handleLinkLost(this, 'the broker closed the producer');
  }

  onConnectionClosed(error: Error): void {
    this.#owner.handleLinkLost(this, error.message);
  }
}

/** Broker errors after which the producer can never send again: fail everything and close. */
const fatalServerErrors: ReadonlySet<number> = new Set([
  ServerErrorCode.TopicNotFound,
  ServerErrorCode.TopicTerminatedError,
  ServerErrorCode.NotAllowedError,
  ServerErrorCode.ProducerFenced,
]);

export function isFatal(error: unknown): boolean {
  return error instanceof ServerError && fatalServerErrors.has(error.code);
}
