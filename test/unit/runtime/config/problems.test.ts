// Every problem line, with its exact text: the setting, the value as given, and what is expected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem } from '../../../../src/runtime/config/index.ts';
import { BASE, configOf, type Env, problemsOf, warningsOf } from './support.ts';

const TOPIC_FORMS = '<topic>, <tenant>/<namespace>/<topic> or persistent://<tenant>/<namespace>/<topic>';

/** [what, environment, the only problem line expected] */
type Case = readonly [string, Env, string];

function check(cases: readonly Case[]): void {
  for (const [what, env, line] of cases) {
    it(what, () => assert.deepEqual(problemsOf(env), [line]));
  }
}

describe('problems with single values', () => {
  check([
    ['unknown mode', { ...BASE, PF_MODE: 'fork' }, 'PF_MODE=fork: expected exec or stream'],
    [
      'missing script',
      { PF_INPUTS: 'in' },
      'PF_SCRIPT: missing: expected the path of the bash script to run',
    ],
    [
      'unreadable script',
      { ...BASE, PF_SCRIPT: '/fn/nope.sh' },
      'PF_SCRIPT=/fn/nope.sh: expected a readable file (the bash script to run)',
    ],
    [
      'boolean',
      { ...BASE, PF_SCRIPT_ARGV_PAYLOAD: 'yes' },
      'PF_SCRIPT_ARGV_PAYLOAD=yes: expected true or false',
    ],
    [
      'boolean (trim)',
      { ...BASE, PF_TRIM_TRAILING_NEWLINE: 'maybe' },
      'PF_TRIM_TRAILING_NEWLINE=maybe: expected true or false',
    ],
    [
      'boolean (forward properties)',
      { ...BASE, PF_FORWARD_SOURCE_MESSAGE_PROPERTY: 'on' },
      'PF_FORWARD_SOURCE_MESSAGE_PROPERTY=on: expected true or false',
    ],
    [
      'user config not JSON',
      { ...BASE, PF_USER_CONFIG: '{bad' },
      'PF_USER_CONFIG={bad: expected a JSON object',
    ],
    [
      'user config an array',
      { ...BASE, PF_USER_CONFIG: '[1,2]' },
      'PF_USER_CONFIG=[1,2]: expected a JSON object',
    ],
    ['user config null', { ...BASE, PF_USER_CONFIG: 'null' }, 'PF_USER_CONFIG=null: expected a JSON object'],
    [
      'negative timeout',
      { ...BASE, PF_TIMEOUT_MS: '-1' },
      'PF_TIMEOUT_MS=-1: expected a non-negative integer',
    ],
    [
      'fractional duration',
      { ...BASE, PF_DRAIN_TIMEOUT_MS: '1.5' },
      'PF_DRAIN_TIMEOUT_MS=1.5: expected a non-negative integer',
    ],
    [
      'word for a duration',
      { ...BASE, PF_KILL_GRACE_MS: 'soon' },
      'PF_KILL_GRACE_MS=soon: expected a non-negative integer',
    ],
    [
      'negative redelivery delay',
      { ...BASE, PF_NEGATIVE_ACK_DELAY_MS: '-5' },
      'PF_NEGATIVE_ACK_DELAY_MS=-5: expected a non-negative integer',
    ],
    [
      'port out of range',
      { ...BASE, PF_HTTP_PORT: '70000' },
      'PF_HTTP_PORT=70000: expected an integer from 0 to 65535',
    ],
    [
      'log level',
      { ...BASE, PF_LOG_LEVEL: 'verbose' },
      'PF_LOG_LEVEL=verbose: expected fatal, error, warn, info, debug, trace or silent',
    ],
    [
      'concurrency not a number',
      { ...BASE, PF_CONCURRENCY: 'abc' },
      'PF_CONCURRENCY=abc: expected a positive integer',
    ],
    ['concurrency 0', { ...BASE, PF_CONCURRENCY: '0' }, 'PF_CONCURRENCY=0: expected a positive integer'],
    ['max pending 0', { ...BASE, PF_MAX_PENDING: '0' }, 'PF_MAX_PENDING=0: expected a positive integer'],
    ['instances 0', { ...BASE, PF_NUM_INSTANCES: '0' }, 'PF_NUM_INSTANCES=0: expected a positive integer'],
    [
      'negative instance id',
      { ...BASE, PF_INSTANCE_ID: '-1' },
      'PF_INSTANCE_ID=-1: expected a non-negative integer',
    ],
    [
      'retries below -1',
      { ...BASE, PF_MAX_MESSAGE_RETRIES: '-2' },
      'PF_MAX_MESSAGE_RETRIES=-2: expected a non-negative integer, or -1 for no limit',
    ],
    [
      'guarantees',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'TWICE' },
      'PF_PROCESSING_GUARANTEES=TWICE: expected ATLEAST_ONCE, ATMOST_ONCE or EFFECTIVELY_ONCE',
    ],
    [
      'MANUAL guarantees',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'MANUAL' },
      "PF_PROCESSING_GUARANTEES=MANUAL: not supported: the script's exit code decides the acknowledgement; expected ATLEAST_ONCE, ATMOST_ONCE or EFFECTIVELY_ONCE",
    ],
    [
      'retain ordering',
      { ...BASE, PF_RETAIN_ORDERING: 'yes' },
      'PF_RETAIN_ORDERING=yes: expected true or false',
    ],
    [
      'subscription type',
      { ...BASE, PF_SUBSCRIPTION_TYPE: 'Round_Robin' },
      'PF_SUBSCRIPTION_TYPE=Round_Robin: expected Exclusive, Shared, Failover or Key_Shared',
    ],
    [
      'subscription position',
      { ...BASE, PF_SUBSCRIPTION_POSITION: 'Middle' },
      'PF_SUBSCRIPTION_POSITION=Middle: expected Latest or Earliest',
    ],
    [
      'tenant with a space (quoted)',
      { ...BASE, PF_TENANT: 'my tenant' },
      'PF_TENANT="my tenant": expected letters, digits and - _ = : . only',
    ],
    [
      'namespace with a slash',
      { ...BASE, PF_NAMESPACE: 'a/b' },
      'PF_NAMESPACE=a/b: expected letters, digits and - _ = : . only',
    ],
    [
      'name with a slash',
      { ...BASE, PF_NAME: 'x/y' },
      'PF_NAME=x/y: expected letters, digits and - _ = : . only',
    ],
    [
      'name from a script file name that is no valid name',
      { ...BASE, PF_SCRIPT: '/fn/my script.sh' },
      'PF_NAME: missing, and the script\'s file name gives "my script": expected letters, digits and - _ = : . only',
    ],
  ]);
});

describe('problems with the broker connection', () => {
  check([
    [
      'service URL',
      { ...BASE, PF_SERVICE_URL: 'http://broker:8080' },
      'PF_SERVICE_URL=http://broker:8080: expected pulsar://host:port or pulsar+ssl://host:port (or a comma list of hosts)',
    ],
    [
      'token and token file',
      { ...BASE, PF_AUTH_TOKEN: 'eyJ.secret.sig', PF_AUTH_TOKEN_FILE: '/secrets/token' },
      'PF_AUTH_TOKEN=<redacted>: conflicts with PF_AUTH_TOKEN_FILE=/secrets/token; set only one',
    ],
    [
      'unreadable token file',
      { ...BASE, PF_AUTH_TOKEN_FILE: '/secrets/nope' },
      'PF_AUTH_TOKEN_FILE=/secrets/nope: expected a readable file',
    ],
    [
      'empty token file',
      { ...BASE, PF_AUTH_TOKEN_FILE: '/secrets/empty' },
      'PF_AUTH_TOKEN_FILE=/secrets/empty: expected a file holding a token, not an empty one',
    ],
    [
      'unreadable trust file',
      { ...BASE, PF_SERVICE_URL: 'pulsar+ssl://b:6651', PF_TLS_TRUST_CERTS_FILE: '/certs/nope.pem' },
      'PF_TLS_TRUST_CERTS_FILE=/certs/nope.pem: expected a readable PEM file of the certificate authorities to trust',
    ],
    [
      'allow insecure',
      { ...BASE, PF_SERVICE_URL: 'pulsar+ssl://b:6651', PF_TLS_ALLOW_INSECURE: 'yes' },
      'PF_TLS_ALLOW_INSECURE=yes: expected true or false',
    ],
    [
      'validate hostname',
      { ...BASE, PF_SERVICE_URL: 'pulsar+ssl://b:6651', PF_TLS_VALIDATE_HOSTNAME: 'no' },
      'PF_TLS_VALIDATE_HOSTNAME=no: expected true or false',
    ],
  ]);
});

describe('problems with the instance id', () => {
  check([
    [
      'id not below the number of instances',
      { ...BASE, PF_INSTANCE_ID: '2', PF_NUM_INSTANCES: '2' },
      'PF_INSTANCE_ID=2: expected less than PF_NUM_INSTANCES=2',
    ],
    [
      'id with the default number of instances',
      { ...BASE, PF_INSTANCE_ID: '1' },
      'PF_INSTANCE_ID=1: expected less than PF_NUM_INSTANCES=1 (the default)',
    ],
    [
      'host name ordinal out of range',
      { ...BASE, HOSTNAME: 'ip-10-0-0-12' },
      'HOSTNAME=ip-10-0-0-12: its ordinal 12 is the default instance id, expected less than PF_NUM_INSTANCES=1 (the default); set PF_INSTANCE_ID',
    ],
    [
      'pod name ordinal out of range',
      { ...BASE, POD_NAME: 'pf-public-default-reverse-3', PF_NUM_INSTANCES: '3' },
      'POD_NAME=pf-public-default-reverse-3: its ordinal 3 is the default instance id, expected less than PF_NUM_INSTANCES=3; set PF_INSTANCE_ID',
    ],
  ]);

  it('is fine when PF_INSTANCE_ID is set, whatever the host name', () => {
    assert.deepEqual(warningsOf({ ...BASE, HOSTNAME: 'ip-10-0-0-12', PF_INSTANCE_ID: '0' }), []);
  });
});

describe('problems with topics', () => {
  const withPattern = { PF_SCRIPT: '/fn/reverse.sh', PF_TOPICS_PATTERN: 'in-.*' };
  check([
    [
      'no inputs',
      { PF_SCRIPT: '/fn/reverse.sh' },
      'PF_INPUTS: missing: expected a comma list of input topics (or PF_TOPICS_PATTERN)',
    ],
    [
      'inputs and a pattern',
      { ...BASE, PF_TOPICS_PATTERN: 'in-.*' },
      'PF_TOPICS_PATTERN=in-.*: conflicts with PF_INPUTS=in; set only one',
    ],
    ['only commas', { ...BASE, PF_INPUTS: ',' }, 'PF_INPUTS=,: expected a comma list of input topics'],
    [
      'a bad input',
      { ...BASE, PF_INPUTS: 'in,a/b' },
      `PF_INPUTS=in,a/b: "a/b": expected a topic name: ${TOPIC_FORMS}`,
    ],
    [
      'a v1 (cluster) name',
      { ...BASE, PF_INPUTS: 'persistent://t/cluster/ns/x' },
      `PF_INPUTS=persistent://t/cluster/ns/x: "persistent://t/cluster/ns/x": expected a topic name: ${TOPIC_FORMS}`,
    ],
    [
      'an unknown domain',
      { ...BASE, PF_OUTPUT: 'kafka://t/n/x' },
      `PF_OUTPUT=kafka://t/n/x: expected a topic name: ${TOPIC_FORMS}`,
    ],
    [
      'a bad output',
      { ...BASE, PF_OUTPUT: 'persistent://a/b' },
      `PF_OUTPUT=persistent://a/b: expected a topic name: ${TOPIC_FORMS}`,
    ],
    [
      'a bad log topic',
      { ...BASE, PF_LOG_TOPIC: 'a//b' },
      `PF_LOG_TOPIC=a//b: expected a topic name: ${TOPIC_FORMS}`,
    ],
    [
      'a bad dead-letter topic',
      { ...BASE, PF_DEAD_LETTER_TOPIC: 'x/y' },
      `PF_DEAD_LETTER_TOPIC=x/y: expected a topic name: ${TOPIC_FORMS}`,
    ],
    [
      'a pattern of the wrong form',
      { ...withPattern, PF_TOPICS_PATTERN: 'a/b' },
      'PF_TOPICS_PATTERN=a/b: expected a pattern of the form <regex>, <tenant>/<namespace>/<regex> or persistent://<tenant>/<namespace>/<regex>',
    ],
    [
      'an invalid regular expression',
      { ...withPattern, PF_TOPICS_PATTERN: 'in-(' },
      'PF_TOPICS_PATTERN=in-(: expected a valid regular expression (Unterminated group)',
    ],
    [
      'output equal to an input, after normalising',
      { ...BASE, PF_INPUTS: 'persistent://public/default/in', PF_OUTPUT: 'in' },
      'PF_OUTPUT=in: persistent://public/default/in is also an input topic; the function would consume its own output',
    ],
    [
      'output matching the pattern',
      { ...withPattern, PF_OUTPUT: 'in-out' },
      'PF_OUTPUT=in-out: persistent://public/default/in-out matches PF_TOPICS_PATTERN=in-.*; the function would consume its own output',
    ],
    [
      'log topic equal to an input',
      { ...BASE, PF_LOG_TOPIC: 'public/default/in' },
      'PF_LOG_TOPIC=public/default/in: persistent://public/default/in is also an input topic; the function would consume its own logs',
    ],
    [
      'log topic matching the pattern',
      { ...withPattern, PF_LOG_TOPIC: 'in-log' },
      'PF_LOG_TOPIC=in-log: persistent://public/default/in-log matches PF_TOPICS_PATTERN=in-.*; the function would consume its own logs',
    ],
    [
      'dead-letter topic equal to an input',
      { ...BASE, PF_DEAD_LETTER_TOPIC: 'in' },
      'PF_DEAD_LETTER_TOPIC=in: persistent://public/default/in is also an input topic; the function would consume its own dead letters',
    ],
    [
      'log topic equal to the output',
      { ...BASE, PF_OUTPUT: 'out', PF_LOG_TOPIC: 'persistent://public/default/out' },
      'PF_LOG_TOPIC=persistent://public/default/out: persistent://public/default/out is also the output topic; logs would mix with results',
    ],
    [
      'dead-letter topic equal to the output',
      { ...BASE, PF_OUTPUT: 'out', PF_DEAD_LETTER_TOPIC: 'out' },
      'PF_DEAD_LETTER_TOPIC=out: persistent://public/default/out is also the output topic; failed messages would mix with results',
    ],
    [
      'dead-letter topic equal to the log topic',
      { ...BASE, PF_LOG_TOPIC: 'logs', PF_DEAD_LETTER_TOPIC: 'logs' },
      'PF_DEAD_LETTER_TOPIC=logs: persistent://public/default/logs is also the log topic; failed messages would mix with logs',
    ],
    [
      'a pattern matching its own default dead-letter topic',
      { ...withPattern, PF_TOPICS_PATTERN: '.*' },
      'PF_DEAD_LETTER_TOPIC: missing: the default, persistent://public/default/public-default-reverse-DLQ, matches PF_TOPICS_PATTERN=.*; set a dead-letter topic outside the pattern',
    ],
  ]);

  it('checks the dead-letter topic against the pattern', () => {
    assert.deepEqual(problemsOf({ ...withPattern, PF_DEAD_LETTER_TOPIC: 'in-dlq' }), [
      'PF_DEAD_LETTER_TOPIC=in-dlq: persistent://public/default/in-dlq matches PF_TOPICS_PATTERN=in-.*; the function would consume its own dead letters',
    ]);
  });

  it('has no pattern problem when dead-lettering does not apply', () => {
    const env = { ...withPattern, PF_TOPICS_PATTERN: '.*', PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE' };
    assert.equal(configOf(env).delivery.deadLetterTopic, null);
  });
});

describe('problems between delivery settings', () => {
  check([
    [
      'retain ordering and retain key ordering',
      { ...BASE, PF_RETAIN_ORDERING: 'true', PF_RETAIN_KEY_ORDERING: 'true' },
      'PF_RETAIN_KEY_ORDERING=true: conflicts with PF_RETAIN_ORDERING=true; set only one',
    ],
    [
      'retain key ordering with effectively-once',
      { ...BASE, PF_RETAIN_KEY_ORDERING: 'true', PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE' },
      'PF_RETAIN_KEY_ORDERING=true: not allowed with PF_PROCESSING_GUARANTEES=EFFECTIVELY_ONCE, which keeps every message in order already',
    ],
    [
      'Shared with retain ordering',
      { ...BASE, PF_RETAIN_ORDERING: 'true', PF_SUBSCRIPTION_TYPE: 'Shared' },
      'PF_SUBSCRIPTION_TYPE=Shared: conflicts with PF_RETAIN_ORDERING=true, which needs Failover or Exclusive',
    ],
    [
      'Key_Shared with effectively-once',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE', PF_SUBSCRIPTION_TYPE: 'Key_Shared' },
      'PF_SUBSCRIPTION_TYPE=Key_Shared: conflicts with PF_PROCESSING_GUARANTEES=EFFECTIVELY_ONCE, which needs Failover or Exclusive',
    ],
    [
      'Shared with retain key ordering',
      { ...BASE, PF_RETAIN_KEY_ORDERING: 'true', PF_SUBSCRIPTION_TYPE: 'Shared' },
      'PF_SUBSCRIPTION_TYPE=Shared: conflicts with PF_RETAIN_KEY_ORDERING=true, which needs Key_Shared, Failover or Exclusive',
    ],
    [
      'Exclusive with several instances',
      { ...BASE, PF_NUM_INSTANCES: '2', PF_SUBSCRIPTION_TYPE: 'Exclusive' },
      'PF_SUBSCRIPTION_TYPE=Exclusive: conflicts with PF_NUM_INSTANCES=2: only one consumer can hold an Exclusive subscription',
    ],
    [
      'concurrency with retain ordering',
      { ...BASE, PF_RETAIN_ORDERING: 'true', PF_CONCURRENCY: '4' },
      'PF_CONCURRENCY=4: expected 1 with PF_RETAIN_ORDERING=true: messages run one at a time, in order',
    ],
    [
      'concurrency with effectively-once',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE', PF_CONCURRENCY: '4' },
      'PF_CONCURRENCY=4: expected 1 with PF_PROCESSING_GUARANTEES=EFFECTIVELY_ONCE: messages run one at a time, in order',
    ],
    [
      'max pending below concurrency',
      { ...BASE, PF_CONCURRENCY: '4', PF_MAX_PENDING: '2' },
      'PF_MAX_PENDING=2: expected at least PF_CONCURRENCY=4: the messages held include the running ones',
    ],
    [
      'retries with at-most-once',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE', PF_MAX_MESSAGE_RETRIES: '3' },
      'PF_MAX_MESSAGE_RETRIES=3: not used with PF_PROCESSING_GUARANTEES=ATMOST_ONCE: messages are acknowledged before the script runs, so never retried',
    ],
    [
      'retries with effectively-once',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE', PF_MAX_MESSAGE_RETRIES: '0' },
      'PF_MAX_MESSAGE_RETRIES=0: not allowed with PF_PROCESSING_GUARANTEES=EFFECTIVELY_ONCE (as in Pulsar Functions): a message retried after later ones would be dropped by deduplication',
    ],
    [
      'dead-letter topic with at-most-once',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'ATMOST_ONCE', PF_DEAD_LETTER_TOPIC: 'dlq' },
      'PF_DEAD_LETTER_TOPIC=dlq: not used with PF_PROCESSING_GUARANTEES=ATMOST_ONCE: messages are acknowledged before the script runs, so never dead-lettered',
    ],
    [
      'dead-letter topic with effectively-once',
      { ...BASE, PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE', PF_DEAD_LETTER_TOPIC: 'dlq' },
      'PF_DEAD_LETTER_TOPIC=dlq: not allowed with PF_PROCESSING_GUARANTEES=EFFECTIVELY_ONCE (as in Pulsar Functions): messages are not dead-lettered',
    ],
  ]);

  it('accepts -1 retries (none) with any guarantee', () => {
    for (const guarantees of ['ATMOST_ONCE', 'EFFECTIVELY_ONCE']) {
      const env = { ...BASE, PF_PROCESSING_GUARANTEES: guarantees, PF_MAX_MESSAGE_RETRIES: '-1' };
      assert.deepEqual(warningsOf(env), []);
    }
  });
});

describe('reporting', () => {
  it('reports every problem, in order, one line each', () => {
    assert.deepEqual(
      problemsOf({
        PF_SCRIPT: '/fn/nope.sh',
        PF_INPUTS: 'in',
        PF_OUTPUT: 'in',
        PF_CONCURRENCY: 'abc',
        PF_PROCESSING_GUARANTEES: 'MANUAL',
        PF_RETAIN_ORDERING: 'true',
        PF_RETAIN_KEY_ORDERING: 'true',
        PF_HTTP_PORT: 'http',
      }),
      [
        'PF_SCRIPT=/fn/nope.sh: expected a readable file (the bash script to run)',
        "PF_PROCESSING_GUARANTEES=MANUAL: not supported: the script's exit code decides the acknowledgement; expected ATLEAST_ONCE, ATMOST_ONCE or EFFECTIVELY_ONCE",
        'PF_RETAIN_KEY_ORDERING=true: conflicts with PF_RETAIN_ORDERING=true; set only one',
        'PF_CONCURRENCY=abc: expected a positive integer',
        'PF_OUTPUT=in: persistent://public/default/in is also an input topic; the function would consume its own output',
        'PF_HTTP_PORT=http: expected an integer from 0 to 65535',
      ],
    );
  });

  it('quotes values with spaces or control characters, and cuts long ones', () => {
    assert.equal(formatProblem({ setting: 'PF_X', value: 'a\nb', message: 'm' }), 'PF_X="a\\nb": m');
    assert.equal(formatProblem({ setting: 'PF_X', value: '', message: 'm' }), 'PF_X="": m');
    assert.equal(formatProblem({ setting: 'PF_X', value: undefined, message: 'm' }), 'PF_X: m');
    const long = formatProblem({ setting: 'PF_X', value: 'x'.repeat(500), message: 'm' });
    assert.equal(long, `PF_X=${'x'.repeat(120)}…: m`);
  });

  it('warns about a PF_ variable that looks like a misspelt one, and about no other', () => {
    const env = {
      ...BASE,
      PF_CONCURENCY: '3',
      PF_INPUT: 'x',
      PF_ROOT: '/work',
      PF_CACHE: '/tmp',
      PATH: '/bin',
    };
    assert.deepEqual(warningsOf(env), [
      'PF_CONCURENCY: unknown variable, ignored; did you mean PF_CONCURRENCY?',
      'PF_INPUT: unknown variable, ignored; did you mean PF_INPUTS?',
    ]);
  });

  it('warns about TLS settings without TLS', () => {
    const env = { ...BASE, PF_TLS_TRUST_CERTS_FILE: '/certs/ca.pem', PF_TLS_VALIDATE_HOSTNAME: 'false' };
    assert.deepEqual(warningsOf(env), [
      'PF_TLS_TRUST_CERTS_FILE=/certs/ca.pem: ignored: PF_SERVICE_URL=pulsar://127.0.0.1:6650 (the default) does not use TLS (pulsar+ssl://)',
      'PF_TLS_VALIDATE_HOSTNAME=false: ignored: PF_SERVICE_URL=pulsar://127.0.0.1:6650 (the default) does not use TLS (pulsar+ssl://)',
    ]);
  });
});
