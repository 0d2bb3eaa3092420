// The byte pipe under a connection, as an interface so the connection is tested without a socket, and its
// implementation over node:net / node:tls (dial with timeout, TLS trust and hostname checks, write batching).
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectionError } from '../errors.ts';
import { splitAddress } from '../lookup/service-url.ts';
import type { Clock } from '../util/index.ts';

export interface TransportEvents {
  onData(chunk: Uint8Array): void;
  /** The write buffer went back under its high-water mark. */
  onDrain(): void;
  /** Called once, whether the peer, an error or close() ended it; `error` is undefined for a clean end. */
  onClose(error: Error | undefined): void;
}

export interface Transport {
  /** `local -> remote`, for logs. */
  readonly description: string;
  /** True while the write buffer is over its high-water mark. */
  readonly needsDrain: boolean;
  /** Starts delivering events (data waits until then); call once. */
  start(events: TransportEvents): void;
  /** Queues bytes; false when the buffer is now over its high-water mark (the bytes are still queued). */
  write(data: Uint8Array): boolean;
  /** Sends what is queued, then closes; a peer that does not finish in a grace period is cut off. */
  end(): void;
  /** Closes at once; queued bytes may be lost (for broken or stale connections). */
  close(): void;
}

export interface TlsSettings {
  /** PEM CAs to trust; the system CAs when absent. */
  ca: string | undefined;
  allowInsecureConnection: boolean;
  validateHostname: boolean;
}

export interface DialOptions {
  /** `host:port`. */
  address: string;
  tls: TlsSettings | undefined;
  timeoutMs: number;
  clock: Clock;
}

/** Opens a transport to `address`; rejects with ConnectionError. */
export type Dialer = (options: DialOptions) => Promise<Transport>;

/** How long end() lets queued bytes drain before the socket is destroyed anyway. */
const END_GRACE_MS = 5_000;

// Large enough that a producer rarely waits for a drain between batches (the default is 64 KiB).
const WRITE_HIGH_WATER_MARK = 1024 * 1024;

/** The real dialer: TCP, or TLS for pulsar+ssl. */
export const dialSocket: Dialer = (options) => {
  const { host, port } = splitAddress(options.address);
  return new Promise<Transport>((resolve, reject) => {
    const socket =
      options.tls === undefined ? net.connect(netOptions(host, port)) : tlsConnect(host, port, options.tls);
    const readyEvent = options.tls === undefined ? 'connect' : 'secureConnect';
    let settled = false;
    const timer = options.clock.setTimeout(
      () => finish(new Error(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      socket.off('error', finish);
      socket.off(readyEvent, onReady);
      if (error === undefined) {
        resolve(new SocketTransport(socket, options.clock));
      } else {
        // A late error from the abandoned socket must not become an uncaught 'error' event.
        socket.on('error', () => {});
        socket.destroy();
        reject(dialError(options.address, error));
      }
    };
    const onReady = () => finish(undefined);
    socket.once('error', finish);
    socket.once(readyEvent, onReady);
  });
};

function netOptions(host: string, port: number): net.TcpNetConnectOpts {
  // highWaterMark reaches the socket's stream options; @types/node does not list it for connect().
  const options = { host, port, noDelay: true, keepAlive: true, highWaterMark: WRITE_HIGH_WATER_MARK };
  return options;
}

function tlsConnect(host: string, port: number, settings: TlsSettings): tls.TLSSocket {
  return tls.connect({
    ...netOptions(host, port),
    // SNI must be a DNS name, never an IP literal.
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...(settings.ca === undefined ? {} : { ca: settings.ca }),
    rejectUnauthorized: !settings.allowInsecureConnection,
    // Node checks the name by default; turning validation off keeps the chain check but skips the name.
    ...(settings.validateHostname ? {} : { checkServerIdentity: () => undefined }),
  });
}

function dialError(address: string, cause: Error): ConnectionError {
  const code = (cause as NodeJS.ErrnoException).code;
  // A certificate that does not verify will not verify on the next attempt either.
  const certificateProblem =
    typeof code === 'string' && (code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code));
  const detail = code === undefined ? cause.message : `${code}: ${cause.message}`;
  return new ConnectionError(`cannot connect to ${address}: ${detail}`, {
    cause,
    retriable: !certificateProblem,
  });
}

/** A Transport over a connected net.Socket or tls.TLSSocket. */
class SocketTransport implements Transport {
  readonly description: string;
  readonly #socket: net.Socket;
  readonly #clock: Clock;
  #corked = false;
  #closeError: Error | undefined;
  #events: TransportEvents | undefined;
  #closed = false;

  constructor(socket: net.Socket, clock: Clock) {
    this.#socket = socket;
    this.#clock = clock;
    this.description = `${socket.localAddress}:${socket.localPort} -> ${socket.remoteAddress}:${socket.remotePort}`;
    // Errors are always followed by 'close'; remember the first so onClose can report it.
    socket.on('error', (error) => {
      this.#closeError ??= error;
    });
    socket.on('close', () => this.#emitClose());
  }

  get needsDrain(): boolean {
    return this.#socket.writableNeedDrain;
  }

  start(events: TransportEvents): void {
    this.#events = events;
    if (this.#closed) {
      events.onClose(this.#closeError);
      return;
    }
    this.#socket.on('data', (chunk: Buffer) => events.onData(chunk));
    this.#socket.on('drain', () => events.onDrain());
    this.#socket.on('end', () => this.#socket.destroy());
  }

  write(data: Uint8Array): boolean {
    // Frames written in the same tick go out in one writev: many small ACK/FLOW/SEND frames, one syscall.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    return this.#socket.write(data);
  }

  end(): void {
    if (this.#socket.destroyed) return;
    // end() flushes corked bytes too: acks and flows written just before a client close still go out.
    this.#socket.end();
    const timer = this.#clock.setTimeout(() => this.#socket.destroy(), END_GRACE_MS);
    this.#socket.once('close', () => timer.cancel());
  }

  close(): void {
    this.#socket.destroy();
  }

  readonly #uncork = () => {
    this.#corked = false;
    this.#socket.uncork();
  };

  #emitClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Before start() there is nobody to tell yet; start() reports it.
    this.#events?.onClose(this.#closeError);
  }
}
