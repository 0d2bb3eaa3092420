// An in-memory Transport: the test plays the broker. It sees every frame the connection wrote (decoded),
// feeds frames back, and can simulate backpressure, a drain, or the peer going away.
import type { Dialer, Transport, TransportEvents } from '../../src/pulsar/connection/transport.ts';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  create,
  decodeFrame,
  encodeCommand,
  type MessageInitShape,
} from '../../src/pulsar/protocol/index.ts';

export type CommandInit = MessageInitShape<typeof BaseCommandSchema>;

/** Builds a BaseCommand from a plain object (what a broker would send). */
export function command(init: CommandInit): BaseCommand {
  return create(BaseCommandSchema, init);
}

export class FakeTransport implements Transport {
  readonly description = 'fake local -> fake remote';
  needsDrain = false;
  closed = false;
  /** Called with each complete command the connection writes (after it is recorded in `sent`). */
  onCommand: ((command: BaseCommand) => void) | undefined;
  readonly sent: BaseCommand[] = [];
  #events: TransportEvents | undefined;
  #buffered: Uint8Array = new Uint8Array(0);

  start(events: TransportEvents): void {
    if (this.#events !== undefined) throw new Error('transport started twice');
    this.#events = events;
  }

  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    this.#collect(data);
    return !this.needsDrain;
  }

  /** True when the connection closed gracefully (end) rather than by abort (close). */
  ended = false;

  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#events?.onClose(undefined);
  }

  // ---- the broker's side -----------------------------------------------------------------------------------

  get started(): boolean {
    return this.#events !== undefined;
  }

  /** Sends raw bytes to the connection. */
  receive(bytes: Uint8Array): void {
    if (this.#events === undefined) throw new Error('transport not started');
    this.#events.onData(bytes);
  }

  /** Sends one command frame to the connection. */
  receiveCommand(init: CommandInit | BaseCommand): void {
    const cmd = '$typeName' in init ? (init as BaseCommand) : command(init as CommandInit);
    this.receive(encodeCommand(cmd));
  }

  drain(): void {
    this.needsDrain = false;
    this.#events?.onDrain();
  }

  /** The peer (or the network) ends the connection. */
  peerClose(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.#events?.onClose(error);
  }

  sentOfType(type: BaseCommand_Type): BaseCommand[] {
    return this.sent.filter((c) => c.type === type);
  }

  lastSent(): BaseCommand | undefined {
    return this.sent.at(-1);
  }

  #collect(data: Uint8Array): void {
    const joined = new Uint8Array(this.#buffered.length + data.length);
    joined.set(this.#buffered);
    joined.set(data, this.#buffered.length);
    let at = 0;
    while (joined.length - at >= 4) {
      const size = new DataView(joined.buffer, at).getUint32(0);
      if (joined.length - at - 4 < size) break;
      const frame = joined.slice(at + 4, at + 4 + size);
      at += 4 + size;
      const decoded = decodeFrame(frame).command;
      this.sent.push(decoded);
      this.onCommand?.(decoded);
    }
    this.#buffered = joined.slice(at);
  }
}

/** Answers CONNECT with CONNECTED (as a broker would) on `transport`. */
export function answerConnect(transport: FakeTransport, connected: CommandInit['connected'] = {}): void {
  const previous = transport.onCommand;
  transport.onCommand = (cmd) => {
    if (cmd.type === BaseCommand_Type.CONNECT) {
      queueMicrotask(() =>
        transport.receiveCommand({
          type: BaseCommand_Type.CONNECTED,
          connected: { serverVersion: 'fake-broker', protocolVersion: 19, ...connected },
        }),
      );
    }
    previous?.(cmd);
  };
}

/**
 * A Dialer whose every transport is a fake broker: it answers CONNECT, and each other command `answer`
 * returns a reply for. All transports it made are in `transports`, in dial order.
 */
export function fakeBrokerDialer(answer: (command: BaseCommand) => CommandInit | undefined): {
  dial: Dialer;
  transports: FakeTransport[];
} {
  const transports: FakeTransport[] = [];
  const dial: Dialer = async () => {
    const transport = new FakeTransport();
    answerConnect(transport);
    const handshake = transport.onCommand;
    transport.onCommand = (cmd) => {
      handshake?.(cmd);
      const reply = cmd.type === BaseCommand_Type.CONNECT ? undefined : answer(cmd);
      if (reply !== undefined) queueMicrotask(() => transport.receiveCommand(reply));
    };
    transports.push(transport);
    return transport;
  };
  return { dial, transports };
}
