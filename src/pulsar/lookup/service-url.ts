// Service URLs (`pulsar://h1:6650,h2:6650`, `pulsar+ssl://h:6651`) and broker addresses (`host:port`):
// parsing, defaults, and the round-robin choice among several service hosts.
import { InvalidArgumentError } from '../errors.ts';

export interface ServiceUrl {
  /** True for pulsar+ssl://. */
  readonly tls: boolean;
  /** Each host as `host:port` (IPv6 in brackets), in the order given. */
  readonly hosts: readonly string[];
}

const DEFAULT_PORT = 6650;
const DEFAULT_TLS_PORT = 6651;
const EXPECTED = 'expected pulsar://host:port or pulsar+ssl://host:port';

/** Parses a service URL; throws InvalidArgumentError('serviceUrl', …) when it is not one. */
export function parseServiceUrl(text: unknown, field = 'serviceUrl'): ServiceUrl {
  const invalid = (why = '') => new InvalidArgumentError(field, `${EXPECTED}${why}, got \`${String(text)}\``);
  if (typeof text !== 'string') throw invalid();
  const match = /^(pulsar|pulsar\+ssl):\/\/([^/]+)\/?$/.exec(text.trim());
  if (match === null) throw invalid();
  const tls = match[1] === 'pulsar+ssl';
  const hosts = match[2]!
    .split(',')
    .map((h) => normalizeHost(h.trim(), tls ? DEFAULT_TLS_PORT : DEFAULT_PORT));
  if (hosts.some((h) => h === undefined)) throw invalid(' (a host is empty or its port is not 1-65535)');
  return { tls, hosts: hosts as string[] };
}

/** `host[:port]` → `host:port`, or undefined when malformed. */
function normalizeHost(host: string, defaultPort: number): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d+))?$/.exec(host);
  if (match === null) return undefined;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return `${match[1]}:${port}`;
}

/**
 * The `host:port` of a broker URL from a lookup answer (`pulsar://broker-1:6650`). Throws a plain Error the
 * lookup wraps: a broker handing out a malformed URL is a server-side fault, not a caller's.
 */
export function brokerAddress(url: string): string {
  const match = /^(pulsar|pulsar\+ssl):\/\/([^/,]+)\/?$/.exec(url);
  const defaultPort = match?.[1] === 'pulsar+ssl' ? DEFAULT_TLS_PORT : DEFAULT_PORT;
  const address = match === null ? undefined : normalizeHost(match[2]!, defaultPort);
  if (address === undefined) throw new Error(`malformed broker URL \`${url}\``);
  return address;
}

/** Splits `host:port` into the parts `net.connect` wants (IPv6 without brackets). */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(address.slice(colon + 1)) };
}

/** Hands out the service hosts in turn, so lookups spread over them and a dead one is skipped on retry. */
export class ServiceHosts {
  readonly #hosts: readonly string[];
  #next = 0;

  constructor(hosts: readonly string[]) {
    if (hosts.length === 0) throw new InvalidArgumentError('serviceUrl', 'expected at least one host');
    this.#hosts = hosts;
  }

  get size(): number {
    return this.#hosts.length;
  }

  next(): string {
    const host = this.#hosts[this.#next % this.#hosts.length]!;
    this.#next = (this.#next + 1) % this.#hosts.length;
    return host;
  }
}
