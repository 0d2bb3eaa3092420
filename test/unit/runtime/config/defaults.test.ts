// Every default, from the smallest valid environment, and the defaults derived from other settings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deadLetterTopicFor,
  defaultDeadLetterTopic,
  type FunctionRuntimeConfig,
} from '../../../../src/runtime/config/index.ts';
import { BASE, configOf, warningsOf } from './support.ts';

describe('loadConfig defaults', () => {
  it('fills every setting not given', () => {
    const expected: FunctionRuntimeConfig = {
      mode: 'exec',
      stream: null,
      function: {
        tenant: 'public',
        namespace: 'default',
        name: 'reverse',
        fqfn: 'public/default/reverse',
        instanceId: 0,
        numInstances: 1,
      },
      broker: {
        serviceUrl: 'pulsar://127.0.0.1:6650',
        auth: { kind: 'none' },
        tlsTrustCertsFilePath: null,
        tlsAllowInsecureConnection: false,
        tlsValidateHostname: true,
      },
      input: {
        topics: ['persistent://public/default/in'],
        topicsPattern: null,
        subscriptionName: 'public/default/reverse',
        subscriptionType: 'Shared',
        subscriptionPosition: 'Latest',
      },
      output: { topic: null, forwardSourceMessageProperty: true, trimTrailingNewline: true },
      logTopic: null,
      delivery: {
        processingGuarantees: 'ATLEAST_ONCE',
        retainOrdering: false,
        retainKeyOrdering: false,
        maxMessageRetries: 3,
        deadLetterTopic: null,
        negativeAckRedeliveryDelayMs: 5000,
      },
      script: { path: '/fn/reverse.sh', payloadAsArgument: false, timeoutMs: 30000, killGraceMs: 5000 },
      pool: { concurrency: 1, maxPending: 18 },
      userConfig: {},
      httpPort: 9094,
      httpHost: '0.0.0.0',
      cluster: 'standalone',
      logLevel: 'info',
      drainTimeoutMs: 30000,
      functionConfigFile: null,
    };
    assert.deepEqual(configOf(BASE), expected);
    assert.deepEqual(warningsOf(BASE), []);
  });

  it('names the function after the script file, without its extension', () => {
    assert.equal(configOf({ ...BASE, PF_SCRIPT: '/fn/reverse.sh' }).function.name, 'reverse');
    const config = configOf({ ...BASE, PF_SCRIPT: '/opt/to-upper.v2.bash' }, { '/opt/to-upper.v2.bash': '' });
    assert.equal(config.function.name, 'to-upper.v2');
    assert.equal(config.input.subscriptionName, 'public/default/to-upper.v2');
    assert.equal(configOf({ ...BASE, PF_SCRIPT: 'run' }, { run: '' }).function.name, 'run');
    assert.equal(configOf({ ...BASE, PF_SCRIPT: '.hidden' }, { '.hidden': '' }).function.name, '.hidden');
  });

  it('subscribes as tenant/namespace/name, as Pulsar Functions do', () => {
    const config = configOf({ ...BASE, PF_TENANT: 'acme', PF_NAMESPACE: 'text', PF_NAME: 'rev' });
    assert.equal(config.function.fqfn, 'acme/text/rev');
    assert.equal(config.input.subscriptionName, 'acme/text/rev');
  });

  it('takes the instance id from the ordinal ending POD_NAME, else HOSTNAME, else 0', () => {
    const many = { ...BASE, PF_NUM_INSTANCES: '3' };
    assert.equal(configOf({ ...many, HOSTNAME: 'pf-public-default-reverse-2' }).function.instanceId, 2);
    assert.equal(
      configOf({ ...many, POD_NAME: 'pf-public-default-reverse-1', HOSTNAME: 'pf-x-2' }).function.instanceId,
      1,
    );
    assert.equal(configOf({ ...many, HOSTNAME: 'laptop' }).function.instanceId, 0);
    assert.equal(configOf({ ...many, HOSTNAME: '3f2a9c0d1e7b' }).function.instanceId, 0);
    assert.equal(configOf(many).function.instanceId, 0);
  });

  it('derives the subscription type as Pulsar Functions do', () => {
    const typeOf = (env: Record<string, string>) => configOf({ ...BASE, ...env }).input.subscriptionType;
    assert.equal(typeOf({}), 'Shared');
    assert.equal(typeOf({ PF_RETAIN_ORDERING: 'true' }), 'Failover');
    assert.equal(typeOf({ PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' }), 'Failover');
    assert.equal(typeOf({ PF_RETAIN_KEY_ORDERING: 'true' }), 'KeyShared');
    assert.equal(typeOf({ PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE' }), 'Shared');
  });

  it('runs one script per CPU, or one when order matters; holds twice that many messages, plus 16 publishing when unordered', () => {
    const poolOf = (env: Record<string, string>) => configOf({ ...BASE, ...env }, {}, { cpuCount: 8 }).pool;
    assert.deepEqual(poolOf({}), { concurrency: 8, maxPending: 32 });
    assert.deepEqual(poolOf({ PF_RETAIN_KEY_ORDERING: 'true' }), { concurrency: 8, maxPending: 32 });
    assert.deepEqual(poolOf({ PF_RETAIN_ORDERING: 'true' }), { concurrency: 1, maxPending: 2 });
    assert.deepEqual(poolOf({ PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' }), {
      concurrency: 1,
      maxPending: 2,
    });
    assert.deepEqual(poolOf({ PF_CONCURRENCY: '3' }), { concurrency: 3, maxPending: 22 });
    assert.deepEqual(configOf(BASE, {}, { cpuCount: 0 }).pool, { concurrency: 1, maxPending: 18 });
  });

  it('retries 3 times under ATLEAST_ONCE only', () => {
    const retriesOf = (guarantees: string) =>
      configOf({ ...BASE, PF_PROCESSING_GUARANTEES: guarantees }).delivery.maxMessageRetries;
    assert.equal(retriesOf('ATLEAST_ONCE'), 3);
    assert.equal(retriesOf('ATMOST_ONCE'), null);
    assert.equal(retriesOf('EFFECTIVELY_ONCE'), null);
  });
});

describe('dead-letter topics', () => {
  it("is the Java client's <input>-<subscription>-DLQ per input, with the subscription's slashes as dashes", () => {
    const config = configOf({ ...BASE, PF_INPUTS: 'in,acme/text/other' });
    assert.equal(config.delivery.deadLetterTopic, null);
    assert.equal(
      deadLetterTopicFor(config, 'persistent://public/default/in'),
      'persistent://public/default/in-public-default-reverse-DLQ',
    );
    assert.equal(
      deadLetterTopicFor(config, 'persistent://acme/text/other'),
      'persistent://acme/text/other-public-default-reverse-DLQ',
    );
  });

  it('is one per partitioned topic, not per partition', () => {
    const config = configOf(BASE);
    assert.equal(
      deadLetterTopicFor(config, 'persistent://public/default/in-partition-3'),
      'persistent://public/default/in-public-default-reverse-DLQ',
    );
    assert.equal(
      defaultDeadLetterTopic('persistent://public/default/in-partition-0', 'my-sub'),
      'persistent://public/default/in-my-sub-DLQ',
    );
  });

  it('is one topic in the namespace of a topics pattern', () => {
    const config = configOf({ ...BASE, PF_INPUTS: undefined, PF_TOPICS_PATTERN: 'acme/text/in-.*' });
    assert.equal(config.delivery.deadLetterTopic, 'persistent://acme/text/public-default-reverse-DLQ');
    assert.equal(
      deadLetterTopicFor(config, 'persistent://acme/text/in-a'),
      'persistent://acme/text/public-default-reverse-DLQ',
    );
  });

  it('is the one set for every input', () => {
    const config = configOf({ ...BASE, PF_DEAD_LETTER_TOPIC: 'failed' });
    assert.equal(config.delivery.deadLetterTopic, 'persistent://public/default/failed');
    assert.equal(
      deadLetterTopicFor(config, 'persistent://public/default/in'),
      'persistent://public/default/failed',
    );
  });

  it('is none unless the guarantees are ATLEAST_ONCE', () => {
    for (const guarantees of ['ATMOST_ONCE', 'EFFECTIVELY_ONCE']) {
      const config = configOf({ ...BASE, PF_PROCESSING_GUARANTEES: guarantees });
      assert.equal(config.delivery.deadLetterTopic, null);
      assert.equal(deadLetterTopicFor(config, 'persistent://public/default/in'), null);
    }
  });
});
