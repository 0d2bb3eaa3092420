import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from '../../../src/pulsar/client.ts';
import { normalizeClientOptions } from '../../../src/pulsar/client-options.ts';
import type { ClientContext } from '../../../src/pulsar/connection/contract.ts';
import { AlreadyClosedError, InvalidArgumentError } from '../../../src/pulsar/errors.ts';
import {
  closeConsumerCommand,
  CommandLookupTopicResponse_LookupType as LookupType,
  BaseCommand_Type as T,
} from '../../../src/pulsar/protocol/index.ts';
import type { ClientOptions, CloseOptions, Consumer, Producer } from '../../../src/pulsar/types.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { fakeBrokerDialer } from '../../support/fake-transport.ts';

describe('normalizeClientOptions', () => {
  it('fills in the documented defaults', () => {
    const o = normalizeClientOptions({ serviceUrl: 'pulsar://127.0.0.1:6650' });
    assert.deepEqual(o.serviceUrl, { tls: false, hosts: ['127.0.0.1:6650'] });
    assert.equal(o.tls, undefined);
    assert.equal(o.operationTimeoutMs, 30_000);
    assert.equal(o.connectionTimeoutMs, 10_000);
    assert.equal(o.keepAliveIntervalMs, 30_000);
    assert.equal(o.authentication, undefined);
  });

  it('turns on TLS for pulsar+ssl, validating hostnames by default', () => {
    const o = normalizeClientOptions({ serviceUrl: 'pulsar+ssl://127.0.0.1:6651' });
    assert.deepEqual(o.tls, { ca: undefined, allowInsecureConnection: false, validateHostname: true });
  });

  const invalid: Array<[string, Partial<ClientOptions>, string]> = [
    [
      'serviceUrl',
      { serviceUrl: 'http://localhost:8080' },
      'expected pulsar://host:port or pulsar+ssl://host:port, got `http://localhost:8080`',
    ],
    ['serviceUrl', { serviceUrl: undefined }, 'got `undefined`'],
    [
      'operationTimeoutMs',
      { operationTimeoutMs: -1 },
      'expected a positive integer of milliseconds, got `-1`',
    ],
    ['connectionTimeoutMs', { connectionTimeoutMs: 1.5 }, 'got `1.5`'],
    ['keepAliveIntervalMs', { keepAliveIntervalMs: 0 }, 'got `0`'],
    [
      'tlsValidateHostname',
      { tlsValidateHostname: 'yes' as unknown as boolean },
      'expected true or false, got `yes`',
    ],
    [
      'tlsTrustCertsFilePath',
      { serviceUrl: 'pulsar+ssl://h', tlsTrustCertsFilePath: '/nonexistent/ca.pem' },
      'cannot read `/nonexistent/ca.pem`',
    ],
    ['authentication', { authentication: { token: 'x' } as never }, 'expected an Authentication'],
  ];
  for (const [field, override, message] of invalid) {
    it(`rejects a bad ${field}: ${message}`, () => {
      assert.throws(
        () => normalizeClientOptions({ serviceUrl: 'pulsar://127.0.0.1:6650', ...override } as ClientOptions),
        (e: unknown) => e instanceof InvalidArgumentError && e.field === field && e.message.includes(message),
      );
    });
  }
});

describe('createClient', () => {
  it('throws InvalidArgumentError at once for a bad service URL', () => {
    assert.throws(() => createClient({ serviceUrl: 'localhost:6650' }), InvalidArgumentError);
  });

  it('close() closes producers, then consumers, then connections; later calls fail', async () => {
    const events: string[] = [];
    const { dial, transports } = fakeBrokerDialer((cmd) =>
      cmd.type === T.LOOKUP
        ? {
            type: T.LOOKUP_RESPONSE,
            lookupTopicResponse: {
              requestId: cmd.lookupTopic!.requestId,
              response: LookupType.Connect,
              brokerServiceUrl: 'pulsar://127.0.0.1:6650',
            },
          }
        : undefined,
    );
    let context: ClientContext | undefined;
    const client = createClient(
      { serviceUrl: 'pulsar://127.0.0.1:6650', clock: new FakeClock() },
      {
        dial,
        createProducer: async (ctx, options) => {
          context = ctx;
          const connection = await ctx.connectionForTopic(options.topic);
          assert.equal(connection.logicalAddress, '127.0.0.1:6650');
          return {
            topic: options.topic,
            close: async () => {
              // Connections must still be up while producers flush.
              events.push(
                `producer ${options.topic} (connections open: ${transports.every((t) => !t.closed)})`,
              );
            },
          } as Producer;
        },
        subscribe: async (_, options) =>
          ({
            subscription: options.subscription,
            close: async () => {
              events.push(`consumer ${options.subscription}`);
            },
          }) as Consumer,
      },
    );
    await client.createProducer({ topic: 'a' });
    await client.subscribe({ topic: 'a', subscription: 's' });
    assert.equal(transports.length, 1, 'lookup and producer share the pooled connection');
    const ids = [context!.newProducerId(), context!.newProducerId(), context!.newConsumerId()];
    assert.deepEqual(ids, [0n, 1n, 0n]);
    await Promise.all([client.close(), client.close()]);
    assert.deepEqual(events, ['producer a (connections open: true)', 'consumer s']);
    assert.ok(transports.every((t) => t.closed));
    await assert.rejects(client.createProducer({ topic: 'b' }), AlreadyClosedError);
    await assert.rejects(client.subscribe({ topic: 'b', subscription: 's' }), AlreadyClosedError);
    await assert.rejects(client.getPartitionsForTopic('b'), AlreadyClosedError);
  });

  it('close({ timeoutMs }) gives producers that deadline, then cuts connections consumers still wait on', async () => {
    const clock = new FakeClock();
    // A broker that answers lookups and nothing else: CLOSE_CONSUMER waits for ever (its own timeout is 30 s).
    const { dial, transports } = fakeBrokerDialer((cmd) =>
      cmd.type === T.LOOKUP
        ? {
            type: T.LOOKUP_RESPONSE,
            lookupTopicResponse: {
              requestId: cmd.lookupTopic!.requestId,
              response: LookupType.Connect,
              brokerServiceUrl: 'pulsar://127.0.0.1:6650',
            },
          }
        : undefined,
    );
    const producerCloses: unknown[] = [];
    const client = createClient(
      { serviceUrl: 'pulsar://127.0.0.1:6650', clock },
      {
        dial,
        createProducer: async (_, options) =>
          ({
            topic: options.topic,
            close: async (closeOptions?: CloseOptions) => {
              producerCloses.push(closeOptions);
            },
          }) as Producer,
        subscribe: async (ctx, options) => {
          const connection = await ctx.connectionForTopic(options.topic!);
          return {
            subscription: options.subscription,
            close: () => connection.request((id) => closeConsumerCommand(0n, id)).then(() => {}),
          } as Consumer;
        },
      },
    );
    await assert.rejects(client.close({ timeoutMs: -5 }), InvalidArgumentError);
    await client.createProducer({ topic: 'a' });
    await client.subscribe({ topic: 'a', subscription: 's' });
    let closed = false;
    const closing = client.close({ timeoutMs: 1000 }).then(() => {
      closed = true;
    });
    await clock.advanceAsync(999);
    assert.equal(closed, false);
    assert.deepEqual(producerCloses, [{ timeoutMs: 1000 }]);
    await clock.advanceAsync(1);
    await closing;
    assert.ok(transports.every((t) => t.closed));
  });
});
