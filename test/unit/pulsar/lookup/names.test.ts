import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../../../src/pulsar/errors.ts';
import {
  brokerAddress,
  parseServiceUrl,
  ServiceHosts,
  splitAddress,
} from '../../../../src/pulsar/lookup/service-url.ts';
import { parseTopicName, partitionName } from '../../../../src/pulsar/lookup/topic-name.ts';

describe('parseTopicName', () => {
  const valid: Array<
    [string, { full: string; namespace: string; localName: string; partition: number; baseName?: string }]
  > = [
    [
      'orders',
      {
        full: 'persistent://public/default/orders',
        namespace: 'public/default',
        localName: 'orders',
        partition: -1,
      },
    ],
    [
      'acme/billing/orders',
      {
        full: 'persistent://acme/billing/orders',
        namespace: 'acme/billing',
        localName: 'orders',
        partition: -1,
      },
    ],
    [
      'persistent://acme/billing/orders',
      {
        full: 'persistent://acme/billing/orders',
        namespace: 'acme/billing',
        localName: 'orders',
        partition: -1,
      },
    ],
    [
      'non-persistent://acme/billing/ticks',
      {
        full: 'non-persistent://acme/billing/ticks',
        namespace: 'acme/billing',
        localName: 'ticks',
        partition: -1,
      },
    ],
    [
      'persistent://public/default/orders-partition-3',
      {
        full: 'persistent://public/default/orders-partition-3',
        namespace: 'public/default',
        localName: 'orders-partition-3',
        partition: 3,
        baseName: 'persistent://public/default/orders',
      },
    ],
    [
      'orders-partition-12',
      {
        full: 'persistent://public/default/orders-partition-12',
        namespace: 'public/default',
        localName: 'orders-partition-12',
        partition: 12,
        baseName: 'persistent://public/default/orders',
      },
    ],
    // Not a partition: the suffix must be digits at the very end.
    [
      'orders-partition-x',
      {
        full: 'persistent://public/default/orders-partition-x',
        namespace: 'public/default',
        localName: 'orders-partition-x',
        partition: -1,
      },
    ],
    // The old v1 form: tenant/cluster/namespace/topic.
    [
      'persistent://acme/us-east/billing/orders',
      {
        full: 'persistent://acme/us-east/billing/orders',
        namespace: 'acme/us-east/billing',
        localName: 'orders',
        partition: -1,
      },
    ],
    [
      'acme/us-east/billing/orders',
      {
        full: 'persistent://acme/us-east/billing/orders',
        namespace: 'acme/us-east/billing',
        localName: 'orders',
        partition: -1,
      },
    ],
  ];
  for (const [input, expected] of valid) {
    it(`parses ${input}`, () => {
      const name = parseTopicName(input);
      assert.equal(name.full, expected.full);
      assert.equal(name.namespace, expected.namespace);
      assert.equal(name.localName, expected.localName);
      assert.equal(name.partition, expected.partition);
      assert.equal(name.baseName, expected.baseName ?? expected.full);
    });
  }

  const invalid = [
    '',
    'a/b',
    'http://t/ns/x',
    'persistent://t/ns',
    'persistent://t//x',
    'has space',
    'a/b/c/d/e',
  ];
  for (const input of invalid) {
    it(`rejects \`${input}\``, () => {
      assert.throws(
        () => parseTopicName(input),
        (e: unknown) => e instanceof InvalidArgumentError && e.field === 'topic',
      );
    });
  }

  it('names partitions', () => {
    assert.equal(
      partitionName('persistent://public/default/o', 2),
      'persistent://public/default/o-partition-2',
    );
  });
});

describe('parseServiceUrl', () => {
  const valid: Array<[string, { tls: boolean; hosts: string[] }]> = [
    ['pulsar://127.0.0.1:6650', { tls: false, hosts: ['127.0.0.1:6650'] }],
    ['pulsar://localhost', { tls: false, hosts: ['localhost:6650'] }],
    ['pulsar+ssl://broker', { tls: true, hosts: ['broker:6651'] }],
    ['pulsar://h1:6650,h2:6651,h3', { tls: false, hosts: ['h1:6650', 'h2:6651', 'h3:6650'] }],
    ['pulsar://[::1]:6650/', { tls: false, hosts: ['[::1]:6650'] }],
  ];
  for (const [input, expected] of valid) {
    it(`parses ${input}`, () => assert.deepEqual(parseServiceUrl(input), expected));
  }
  const invalid = [
    '',
    'http://h:8080',
    'h:6650',
    'pulsar://',
    'pulsar://h:0',
    'pulsar://h:99999',
    'pulsar://h1,,h2',
    'pulsar://h/path',
  ];
  for (const input of invalid) {
    it(`rejects \`${input}\` naming the option`, () => {
      assert.throws(
        () => parseServiceUrl(input),
        (e: unknown) =>
          e instanceof InvalidArgumentError &&
          e.field === 'serviceUrl' &&
          e.message.includes('expected pulsar://host:port or pulsar+ssl://host:port') &&
          e.message.includes(`\`${input}\``),
      );
    });
  }

  it('turns broker URLs into addresses and addresses into host and port', () => {
    assert.equal(brokerAddress('pulsar://b1:6650'), 'b1:6650');
    assert.equal(brokerAddress('pulsar+ssl://b1:6651'), 'b1:6651');
    // Without a port: each scheme's default, as for service URLs.
    assert.equal(brokerAddress('pulsar://b1'), 'b1:6650');
    assert.equal(brokerAddress('pulsar+ssl://b1'), 'b1:6651');
    assert.equal(brokerAddress('pulsar+ssl://[::1]/'), '[::1]:6651');
    assert.throws(() => brokerAddress('nonsense'));
    assert.deepEqual(splitAddress('[::1]:6650'), { host: '::1', port: 6650 });
    assert.deepEqual(splitAddress('127.0.0.1:6650'), { host: '127.0.0.1', port: 6650 });
  });

  it('hands out service hosts round-robin', () => {
    const hosts = new ServiceHosts(['a:1', 'b:1', 'c:1']);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => hosts.next()),
      ['a:1', 'b:1', 'c:1', 'a:1'],
    );
  });
});
