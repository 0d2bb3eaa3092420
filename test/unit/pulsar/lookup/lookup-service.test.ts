import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exponentialBackoff } from '../../../../src/pulsar/backoff.ts';
import type { Connection } from '../../../../src/pulsar/connection/contract.ts';
import { ConnectionError, PulsarError, ServerError, ServerErrorCode } from '../../../../src/pulsar/errors.ts';
import { LookupService, MAX_LOOKUP_REDIRECTS } from '../../../../src/pulsar/lookup/lookup-service.ts';
import { parseServiceUrl } from '../../../../src/pulsar/lookup/service-url.ts';
import {
  type BaseCommand,
  CommandLookupTopicResponse_LookupType as LookupType,
  BaseCommand_Type as T,
} from '../../../../src/pulsar/protocol/index.ts';
import { silentLogger } from '../../../../src/pulsar/util/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { type CommandInit, command } from '../../../support/fake-transport.ts';

interface Sent {
  logical: string;
  physical: string;
  command: BaseCommand;
}

type Broker = (request: BaseCommand, requestId: bigint) => CommandInit | Error;

/** Brokers by logical address; every request any of them gets is recorded in `sent`. */
function fakeCluster(brokers: Record<string, Broker>, serviceUrl = 'pulsar://127.0.0.1:6650') {
  const sent: Sent[] = [];
  const dialFailures = new Set<string>();
  const connections = {
    async get(logical: string, physical: string): Promise<Connection> {
      if (dialFailures.has(physical))
        throw new ConnectionError(`cannot connect to ${physical}: ECONNREFUSED`);
      const broker = brokers[logical];
      if (broker === undefined) throw new Error(`test has no broker ${logical}`);
      let nextId = 0n;
      const connection: Partial<Connection> = {
        async request(build) {
          const requestId = nextId++;
          const cmd = build(requestId);
          sent.push({ logical, physical, command: cmd });
          const answer = broker(cmd, requestId);
          if (answer instanceof Error) throw answer;
          return command(answer);
        },
      };
      return connection as Connection;
    },
  };
  const clock = new FakeClock();
  const service = new LookupService({
    serviceUrl: parseServiceUrl(serviceUrl),
    connections,
    clock,
    logger: silentLogger,
    operationTimeoutMs: 5_000,
    newBackoff: () => exponentialBackoff({ random: () => 0 }),
  });
  return { service, sent, clock, dialFailures };
}

function lookupAnswer(
  requestId: bigint,
  fields: { response: LookupType; url?: string; tlsUrl?: string; authoritative?: boolean; proxy?: boolean },
): CommandInit {
  return {
    type: T.LOOKUP_RESPONSE,
    lookupTopicResponse: {
      requestId,
      response: fields.response,
      brokerServiceUrl: fields.url,
      brokerServiceUrlTls: fields.tlsUrl,
      authoritative: fields.authoritative ?? false,
      proxyThroughServiceUrl: fields.proxy ?? false,
    },
  };
}

describe('LookupService.lookup', () => {
  it('returns the broker of a Connect answer, completing a short topic name', async () => {
    const { service, sent } = fakeCluster({
      '127.0.0.1:6650': (_, id) =>
        lookupAnswer(id, { response: LookupType.Connect, url: 'pulsar://broker-a:6650' }),
    });
    const result = await service.lookup('orders');
    assert.deepEqual(result, { logicalAddress: 'broker-a:6650', physicalAddress: 'broker-a:6650' });
    assert.equal(sent[0]?.command.lookupTopic?.topic, 'persistent://public/default/orders');
    assert.equal(sent[0]?.command.lookupTopic?.authoritative, false);
  });

  it('follows a redirect chain, passing on the authoritative flag each answer gives', async () => {
    const { service, sent } = fakeCluster({
      '127.0.0.1:6650': (_, id) =>
        lookupAnswer(id, { response: LookupType.Redirect, url: 'pulsar://b1:6650', authoritative: false }),
      'b1:6650': (_, id) =>
        lookupAnswer(id, { response: LookupType.Redirect, url: 'pulsar://b2:6650', authoritative: true }),
      'b2:6650': (_, id) => lookupAnswer(id, { response: LookupType.Connect, url: 'pulsar://b3:6650' }),
    });
    const result = await service.lookup('persistent://t/ns/x');
    assert.deepEqual(result, { logicalAddress: 'b3:6650', physicalAddress: 'b3:6650' });
    assert.deepEqual(
      sent.map((s) => [s.logical, s.physical, s.command.lookupTopic?.authoritative]),
      [
        ['127.0.0.1:6650', '127.0.0.1:6650', false],
        ['b1:6650', 'b1:6650', false],
        ['b2:6650', 'b2:6650', true],
      ],
    );
  });

  it('goes through the service URL when the answer says proxy_through_service_url', async () => {
    const { service, sent } = fakeCluster({
      '127.0.0.1:6650': (_, id) =>
        lookupAnswer(id, { response: LookupType.Redirect, url: 'pulsar://b1:6650', proxy: true }),
      'b1:6650': (_, id) =>
        lookupAnswer(id, { response: LookupType.Connect, url: 'pulsar://b2:6650', proxy: true }),
    });
    const result = await service.lookup('x');
    assert.deepEqual(result, { logicalAddress: 'b2:6650', physicalAddress: '127.0.0.1:6650' });
    // The redirected lookup itself went to b1 through the proxy too.
    assert.deepEqual([sent[1]?.logical, sent[1]?.physical], ['b1:6650', '127.0.0.1:6650']);
  });

  it('takes the TLS URL for pulsar+ssl service URLs', async () => {
    const { service } = fakeCluster(
      {
        '127.0.0.1:6651': (_, id) =>
          lookupAnswer(id, {
            response: LookupType.Connect,
            url: 'pulsar://b:6650',
            tlsUrl: 'pulsar+ssl://b:6651',
          }),
      },
      'pulsar+ssl://127.0.0.1:6651',
    );
    assert.deepEqual(await service.lookup('x'), { logicalAddress: 'b:6651', physicalAddress: 'b:6651' });
  });

  it(`follows at most ${MAX_LOOKUP_REDIRECTS} redirects`, async () => {
    const redirectsThenConnect = (redirects: number) => {
      let answered = 0;
      const broker: Broker = (_, id) =>
        answered++ < redirects
          ? lookupAnswer(id, { response: LookupType.Redirect, url: 'pulsar://127.0.0.1:6650' })
          : lookupAnswer(id, { response: LookupType.Connect, url: 'pulsar://final:6650' });
      return fakeCluster({ '127.0.0.1:6650': broker });
    };
    const ok = redirectsThenConnect(MAX_LOOKUP_REDIRECTS);
    assert.equal((await ok.service.lookup('x')).logicalAddress, 'final:6650');
    assert.equal(ok.sent.length, MAX_LOOKUP_REDIRECTS + 1);

    const tooMany = redirectsThenConnect(MAX_LOOKUP_REDIRECTS + 1);
    const error = await tooMany.service.lookup('x').catch((e: unknown) => e);
    assert.ok(error instanceof PulsarError);
    assert.match(error.message, /redirected more than 20 times/);
    assert.equal(tooMany.sent.length, MAX_LOOKUP_REDIRECTS + 1);
  });

  it('passes a broker error through as it is (not retried when not retriable)', async () => {
    const { service, sent } = fakeCluster({
      '127.0.0.1:6650': () => new ServerError(ServerErrorCode.AuthorizationError, 'no'),
    });
    const error = await service.lookup('x').catch((e: unknown) => e);
    assert.ok(error instanceof ServerError);
    assert.equal(error.code, ServerErrorCode.AuthorizationError);
    assert.equal(sent.length, 1);
  });

  it('tries the next service host when one is down, round-robin, with backoff', async () => {
    const answer: Broker = (_, id) =>
      lookupAnswer(id, { response: LookupType.Connect, url: 'pulsar://b:6650' });
    const { service, sent, dialFailures, clock } = fakeCluster(
      { '127.0.0.1:6650': answer, '127.0.0.1:6660': answer },
      'pulsar://127.0.0.1:6650,127.0.0.1:6660',
    );
    dialFailures.add('127.0.0.1:6650');
    const result = service.lookup('x');
    await clock.advanceAsync(100);
    assert.equal((await result).logicalAddress, 'b:6650');
    assert.deepEqual(
      sent.map((s) => s.physical),
      ['127.0.0.1:6660'],
    );
  });

  it('gives up with the last ConnectionError once the operation timeout is spent', async () => {
    const { service, dialFailures, clock } = fakeCluster({});
    dialFailures.add('127.0.0.1:6650');
    const result = service.lookup('x').catch((e: unknown) => e);
    await clock.advanceAsync(10_000);
    const error = await result;
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.retriable, true);
  });
});

describe('LookupService.partitionedMetadata and topicsOfNamespace', () => {
  it('returns the partition count (0 for a non-partitioned topic)', async () => {
    const counts: Record<string, number> = {
      'persistent://public/default/p4': 4,
      'persistent://public/default/np': 0,
    };
    const { service } = fakeCluster({
      '127.0.0.1:6650': (request, requestId) => ({
        type: T.PARTITIONED_METADATA_RESPONSE,
        partitionMetadataResponse: { requestId, partitions: counts[request.partitionMetadata!.topic]! },
      }),
    });
    assert.equal(await service.partitionedMetadata('p4'), 4);
    assert.equal(await service.partitionedMetadata('persistent://public/default/np'), 0);
  });

  it('lists a namespace, folding partitions into their topic', async () => {
    const { service, sent } = fakeCluster({
      '127.0.0.1:6650': (_, requestId) => ({
        type: T.GET_TOPICS_OF_NAMESPACE_RESPONSE,
        getTopicsOfNamespaceResponse: {
          requestId,
          topics: [
            'persistent://public/default/a-partition-0',
            'persistent://public/default/a-partition-1',
            'persistent://public/default/b',
          ],
        },
      }),
    });
    assert.deepEqual(await service.topicsOfNamespace('public/default'), [
      'persistent://public/default/a',
      'persistent://public/default/b',
    ]);
    assert.equal(sent[0]?.command.getTopicsOfNamespace?.namespace, 'public/default');
    await assert.rejects(service.topicsOfNamespace('no-slash'), PulsarError);
  });
});
