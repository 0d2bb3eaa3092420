// Topic discovery over the binary protocol: which broker owns a topic (LOOKUP, following redirects), how many
// partitions it has, and which topics a namespace holds. Keeps the logical address (the owner broker) apart
// from the physical one (what is dialed: the service URL when the answer says to go through a proxy).
import type { Backoff } from '../backoff.ts';
import type { Connection } from '../connection/contract.ts';
import { ProtocolError, PulsarError } from '../errors.ts';
import {
  type BaseCommand,
  type CommandLookupTopicResponse,
  getTopicsOfNamespaceCommand,
  CommandLookupTopicResponse_LookupType as LookupType,
  lookupCommand,
  partitionedMetadataCommand,
} from '../protocol/index.ts';
import { type Clock, type Logger, monotonicNow } from '../util/index.ts';
import { brokerAddress, ServiceHosts, type ServiceUrl } from './service-url.ts';
import { parseTopicName } from './topic-name.ts';

/** Where a topic's owner broker is reached. */
export interface LookupResult {
  /** `host:port` of the owner broker. */
  readonly logicalAddress: string;
  /** `host:port` to dial: the broker itself, or a service host (proxy) that forwards to it. */
  readonly physicalAddress: string;
}

/** What the lookup needs from the pool. */
export interface ConnectionSource {
  get(logicalAddress: string, physicalAddress: string): Promise<Connection>;
}

export interface LookupServiceOptions {
  serviceUrl: ServiceUrl;
  connections: ConnectionSource;
  clock: Clock;
  logger: Logger;
  /** Budget for one call, retries on the service hosts included. */
  operationTimeoutMs: number;
  newBackoff: () => Backoff;
}

/** Redirects followed before a lookup gives up (as Apache's clients). */
export const MAX_LOOKUP_REDIRECTS = 20;

export class LookupService {
  readonly #tls: boolean;
  readonly #hosts: ServiceHosts;
  readonly #connections: ConnectionSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #operationTimeoutMs: number;
  readonly #newBackoff: () => Backoff;

  constructor(options: LookupServiceOptions) {
    this.#tls = options.serviceUrl.tls;
    this.#hosts = new ServiceHosts(options.serviceUrl.hosts);
    this.#connections = options.connections;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#operationTimeoutMs = options.operationTimeoutMs;
    this.#newBackoff = options.newBackoff;
  }

  /** The broker that owns `topic` (a full or short name; a partition name for one partition). */
  async lookup(topic: string): Promise<LookupResult> {
    const name = parseTopicName(topic).full;
    const first = await this.#askServiceHosts((id) => lookupCommand(name, id, false));
    let answer = lookupAnswer(first.answer);
    for (let redirects = 0; ; redirects++) {
      const target = this.#target(name, answer, first.serviceHost);
      if (answer.response === LookupType.Connect) {
        this.#logger.debug({ topic: name, ...target }, 'topic looked up');
        return target;
      }
      // Only Redirect is left: Failed answers were rejected as ServerError by the connection.
      if (redirects >= MAX_LOOKUP_REDIRECTS) {
        throw new PulsarError(`lookup of ${name} was redirected more than ${MAX_LOOKUP_REDIRECTS} times`, {
          retriable: true,
        });
      }
      // The broker says whether the next one must answer for itself (authoritative) instead of redirecting.
      const authoritative = answer.authoritative;
      const connection = await this.#connections.get(target.logicalAddress, target.physicalAddress);
      answer = lookupAnswer(await connection.request((id) => lookupCommand(name, id, authoritative)));
    }
  }

  /** 0 for a non-partitioned topic, else the number of partitions. */
  async partitionedMetadata(topic: string): Promise<number> {
    const name = parseTopicName(topic).full;
    const { answer } = await this.#askServiceHosts((id) => partitionedMetadataCommand(name, id));
    const metadata = answer.partitionMetadataResponse;
    if (metadata === undefined) throw unexpectedAnswer('PARTITIONED_METADATA', answer);
    return metadata.partitions;
  }

  /**
   * Persistent topics of `tenant/namespace`, as full names, partitions folded into their partitioned topic
   * (what a pattern subscription matches against).
   */
  async topicsOfNamespace(namespace: string): Promise<string[]> {
    if (!/^[^/\s]+\/[^/\s]+$/.test(namespace)) {
      throw new PulsarError(`expected a namespace as tenant/namespace, got \`${namespace}\``);
    }
    const { answer } = await this.#askServiceHosts((id) => getTopicsOfNamespaceCommand(namespace, id));
    const list = answer.getTopicsOfNamespaceResponse;
    if (list === undefined) throw unexpectedAnswer('GET_TOPICS_OF_NAMESPACE', answer);
    const names = new Set<string>();
    for (const topic of list.topics) names.add(parseTopicName(topic).baseName);
    return [...names];
  }

  #target(topic: string, answer: CommandLookupTopicResponse, serviceHost: string): LookupResult {
    const url = this.#tls ? answer.brokerServiceUrlTls : answer.brokerServiceUrl;
    if (url === '') {
      throw new PulsarError(`lookup of ${topic}: the broker gave no ${this.#tls ? 'TLS ' : ''}service URL`);
    }
    let logicalAddress: string;
    try {
      logicalAddress = brokerAddress(url);
    } catch (cause) {
      throw new ProtocolError(`lookup of ${topic}: the broker gave a malformed URL \`${url}\``, { cause });
    }
    return {
      logicalAddress,
      physicalAddress: answer.proxyThroughServiceUrl ? serviceHost : logicalAddress,
    };
  }

  /**
   * Sends a request to the service hosts in turn until one answers, retrying retriable failures (a host
   * down, a broker starting) with backoff until the operation timeout; then the last error is thrown.
   */
  async #askServiceHosts(
    build: (requestId: bigint) => BaseCommand,
  ): Promise<{ answer: BaseCommand; serviceHost: string }> {
    const deadline = monotonicNow(this.#clock) + this.#operationTimeoutMs;
    const backoff = this.#newBackoff();
    for (;;) {
      const serviceHost = this.#hosts.next();
      try {
        const connection = await this.#connections.get(serviceHost, serviceHost);
        return { answer: await connection.request(build), serviceHost };
      } catch (error) {
        const delay = backoff.next();
        const retriable = error instanceof PulsarError && error.retriable;
        if (!retriable || monotonicNow(this.#clock) + delay >= deadline) throw error;
        this.#logger.debug({ serviceHost, err: error, retryInMs: delay }, 'service host failed; retrying');
        await sleep(this.#clock, delay);
      }
    }
  }
}

function lookupAnswer(command: BaseCommand): CommandLookupTopicResponse {
  if (command.lookupTopicResponse === undefined) throw unexpectedAnswer('LOOKUP', command);
  return command.lookupTopicResponse;
}

function unexpectedAnswer(request: string, answer: BaseCommand): ProtocolError {
  return new ProtocolError(`${request} was answered by command type ${answer.type}`);
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
