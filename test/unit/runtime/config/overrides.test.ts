// Every variable overriding its default, and the accepted spellings of values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionRuntimeConfig } from '../../../../src/runtime/config/index.ts';
import { BASE, configOf, warningsOf } from './support.ts';

describe('loadConfig overrides', () => {
  it('takes every variable', () => {
    const env = {
      PF_MODE: 'exec',
      PF_SCRIPT: '/fn/reverse.sh',
      PF_SCRIPT_ARGV_PAYLOAD: 'true',
      PF_TRIM_TRAILING_NEWLINE: 'false',
      PF_USER_CONFIG: '{"greeting":"hi","n":2,"nested":{"ok":true}}',
      PF_SERVICE_URL: 'pulsar+ssl://broker-1:6651,broker-2:6651',
      PF_AUTH_TOKEN: 'eyJhbGciOiJIUzI1NiJ9.env-token.sig',
      PF_TLS_TRUST_CERTS_FILE: '/certs/ca.pem',
      PF_TLS_ALLOW_INSECURE: 'true',
      PF_TLS_VALIDATE_HOSTNAME: 'false',
      PF_TENANT: 'acme',
      PF_NAMESPACE: 'text',
      PF_NAME: 'rev',
      PF_INSTANCE_ID: '2',
      PF_NUM_INSTANCES: '3',
      PF_INPUTS: 'a, acme/text/b ,persistent://acme/text/c',
      PF_SUBSCRIPTION_NAME: 'rev-sub',
      PF_SUBSCRIPTION_TYPE: 'Key_Shared',
      PF_SUBSCRIPTION_POSITION: 'Earliest',
      PF_OUTPUT: 'non-persistent://acme/text/out',
      PF_FORWARD_SOURCE_MESSAGE_PROPERTY: 'false',
      PF_LOG_TOPIC: 'acme/text/logs',
      PF_DEAD_LETTER_TOPIC: 'acme/text/dlq',
      PF_PROCESSING_GUARANTEES: 'ATLEAST_ONCE',
      PF_RETAIN_ORDERING: 'false',
      PF_RETAIN_KEY_ORDERING: 'true',
      PF_MAX_MESSAGE_RETRIES: '7',
      PF_NEGATIVE_ACK_DELAY_MS: '250',
      PF_CONCURRENCY: '6',
      PF_MAX_PENDING: '100',
      PF_TIMEOUT_MS: '1500',
      PF_KILL_GRACE_MS: '100',
      PF_DRAIN_TIMEOUT_MS: '9000',
      PF_HTTP_PORT: '8080',
      PF_HTTP_HOST: '127.0.0.1',
      PF_CLUSTER: 'east',
      PF_LOG_LEVEL: 'debug',
    };
    const expected: FunctionRuntimeConfig = {
      mode: 'exec',
      stream: null,
      function: {
        tenant: 'acme',
        namespace: 'text',
        name: 'rev',
        fqfn: 'acme/text/rev',
        instanceId: 2,
        numInstances: 3,
      },
      broker: {
        serviceUrl: 'pulsar+ssl://broker-1:6651,broker-2:6651',
        auth: { kind: 'token', token: 'eyJhbGciOiJIUzI1NiJ9.env-token.sig' },
        tlsTrustCertsFilePath: '/certs/ca.pem',
        tlsAllowInsecureConnection: true,
        tlsValidateHostname: false,
      },
      input: {
        topics: ['persistent://public/default/a', 'persistent://acme/text/b', 'persistent://acme/text/c'],
        topicsPattern: null,
        subscriptionName: 'rev-sub',
        subscriptionType: 'KeyShared',
        subscriptionPosition: 'Earliest',
      },
      output: {
        topic: 'non-persistent://acme/text/out',
        forwardSourceMessageProperty: false,
        trimTrailingNewline: false,
      },
      logTopic: 'persistent://acme/text/logs',
      delivery: {
        processingGuarantees: 'ATLEAST_ONCE',
        retainOrdering: false,
        retainKeyOrdering: true,
        maxMessageRetries: 7,
        deadLetterTopic: 'persistent://acme/text/dlq',
        negativeAckRedeliveryDelayMs: 250,
      },
      script: { path: '/fn/reverse.sh', payloadAsArgument: true, timeoutMs: 1500, killGraceMs: 100 },
      pool: { concurrency: 6, maxPending: 100 },
      userConfig: { greeting: 'hi', n: 2, nested: { ok: true } },
      httpPort: 8080,
      httpHost: '127.0.0.1',
      cluster: 'east',
      logLevel: 'debug',
      drainTimeoutMs: 9000,
      functionConfigFile: null,
    };
    assert.deepEqual(configOf(env), expected);
    assert.deepEqual(warningsOf(env), []);
  });

  it('reads a token file by path, keeping only the path', () => {
    const config = configOf({ ...BASE, PF_AUTH_TOKEN_FILE: '/secrets/token' });
    assert.deepEqual(config.broker.auth, { kind: 'tokenFile', path: '/secrets/token' });
  });

  it('takes a topics pattern instead of inputs, in full form', () => {
    const config = configOf({ PF_SCRIPT: '/fn/reverse.sh', PF_TOPICS_PATTERN: 'in-.*' });
    assert.deepEqual(config.input.topics, []);
    assert.equal(config.input.topicsPattern, 'persistent://public/default/in-.*');
    const full = configOf({ PF_SCRIPT: '/fn/reverse.sh', PF_TOPICS_PATTERN: 'persistent://acme/text/(a|b)' });
    assert.equal(full.input.topicsPattern, 'persistent://acme/text/(a|b)');
  });

  it('drops duplicate inputs and empty list items', () => {
    const config = configOf({ ...BASE, PF_INPUTS: 'in,,persistent://public/default/in, public/default/in,' });
    assert.deepEqual(config.input.topics, ['persistent://public/default/in']);
  });

  it('applies ATMOST_ONCE and EFFECTIVELY_ONCE', () => {
    const atMost = configOf({ ...BASE, PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE' }, {}, { cpuCount: 4 });
    assert.equal(atMost.delivery.processingGuarantees, 'ATMOST_ONCE');
    assert.equal(atMost.pool.concurrency, 4);
    const once = configOf({ ...BASE, PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' }, {}, { cpuCount: 4 });
    assert.equal(once.delivery.processingGuarantees, 'EFFECTIVELY_ONCE');
    assert.equal(once.input.subscriptionType, 'Failover');
    assert.equal(once.pool.concurrency, 1);
  });

  it('takes retain ordering, with one script at a time', () => {
    const config = configOf(
      { ...BASE, PF_RETAIN_ORDERING: 'true', PF_CONCURRENCY: '1' },
      {},
      { cpuCount: 4 },
    );
    assert.equal(config.delivery.retainOrdering, true);
    assert.equal(config.input.subscriptionType, 'Failover');
    assert.deepEqual(config.pool, { concurrency: 1, maxPending: 2 });
  });

  it('takes a subscription type that keeps the order asked for', () => {
    const typeOf = (env: Record<string, string>) => configOf({ ...BASE, ...env }).input.subscriptionType;
    assert.equal(typeOf({ PF_SUBSCRIPTION_TYPE: 'Failover' }), 'Failover');
    assert.equal(typeOf({ PF_SUBSCRIPTION_TYPE: 'Exclusive' }), 'Exclusive');
    assert.equal(typeOf({ PF_SUBSCRIPTION_TYPE: 'Exclusive', PF_RETAIN_ORDERING: 'true' }), 'Exclusive');
    assert.equal(typeOf({ PF_SUBSCRIPTION_TYPE: 'Failover', PF_RETAIN_KEY_ORDERING: 'true' }), 'Failover');
    assert.equal(typeOf({ PF_SUBSCRIPTION_TYPE: 'Key_Shared' }), 'KeyShared');
  });

  it('turns the timeout off with 0, and retries without limit with -1', () => {
    assert.equal(configOf({ ...BASE, PF_TIMEOUT_MS: '0' }).script.timeoutMs, null);
    assert.equal(configOf({ ...BASE, PF_MAX_MESSAGE_RETRIES: '-1' }).delivery.maxMessageRetries, null);
    assert.equal(configOf({ ...BASE, PF_MAX_MESSAGE_RETRIES: '0' }).delivery.maxMessageRetries, 0);
    const unlimited = configOf({ ...BASE, PF_MAX_MESSAGE_RETRIES: '-1', PF_DEAD_LETTER_TOPIC: 'dlq' });
    assert.equal(unlimited.delivery.deadLetterTopic, 'persistent://public/default/dlq');
  });

  it('reads enumerations in any case, with or without _ and -', () => {
    const config = configOf({
      ...BASE,
      PF_PROCESSING_GUARANTEES: 'atleast_once',
      PF_SUBSCRIPTION_TYPE: 'keyshared',
      PF_SUBSCRIPTION_POSITION: 'EARLIEST',
      PF_LOG_LEVEL: 'WARN',
      PF_MODE: 'EXEC',
    });
    assert.equal(config.delivery.processingGuarantees, 'ATLEAST_ONCE');
    assert.equal(config.input.subscriptionType, 'KeyShared');
    assert.equal(config.input.subscriptionPosition, 'Earliest');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.mode, 'exec');
    assert.equal(
      configOf({ ...BASE, PF_SUBSCRIPTION_TYPE: 'key-shared' }).input.subscriptionType,
      'KeyShared',
    );
  });

  it('reads booleans as true/false or 1/0', () => {
    const on = configOf({ ...BASE, PF_SCRIPT_ARGV_PAYLOAD: '1', PF_TRIM_TRAILING_NEWLINE: 'FALSE' });
    assert.equal(on.script.payloadAsArgument, true);
    assert.equal(on.output.trimTrailingNewline, false);
    const off = configOf({ ...BASE, PF_SCRIPT_ARGV_PAYLOAD: 'False', PF_TRIM_TRAILING_NEWLINE: '0' });
    assert.equal(off.script.payloadAsArgument, false);
    assert.equal(off.output.trimTrailingNewline, false);
  });

  it('trims values and treats blank ones as unset', () => {
    const config = configOf({
      ...BASE,
      PF_CONCURRENCY: ' 4 ',
      PF_OUTPUT: '',
      PF_LOG_TOPIC: '   ',
      PF_TENANT: '',
      PF_AUTH_TOKEN: '',
    });
    assert.equal(config.pool.concurrency, 4);
    assert.equal(config.output.topic, null);
    assert.equal(config.logTopic, null);
    assert.equal(config.function.tenant, 'public');
    assert.deepEqual(config.broker.auth, { kind: 'none' });
  });

  it('takes port 0 (a free port) and the pino levels', () => {
    assert.equal(configOf({ ...BASE, PF_HTTP_PORT: '0' }).httpPort, 0);
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      assert.equal(configOf({ ...BASE, PF_LOG_LEVEL: level }).logLevel, level);
    }
  });

  it('takes 0 for the grace, drain and redelivery delays', () => {
    const config = configOf({
      ...BASE,
      PF_KILL_GRACE_MS: '0',
      PF_DRAIN_TIMEOUT_MS: '0',
      PF_NEGATIVE_ACK_DELAY_MS: '0',
    });
    assert.equal(config.script.killGraceMs, 0);
    assert.equal(config.drainTimeoutMs, 0);
    assert.equal(config.delivery.negativeAckRedeliveryDelayMs, 0);
  });
});
