// The Pulsar FunctionConfig YAML file: its keys, environment variables overriding them, and its problems.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configOf, problemsOf, warningsOf } from './support.ts';

const FILE = '/fn/reverse.yaml';
const ENV = { PF_FUNCTION_CONFIG_FILE: FILE };

const FULL = `
tenant: acme
namespace: text
name: reverse
customRuntimeOptions: '{"script": "/fn/reverse.sh"}'
inputs:
  - persistent://acme/text/in
  - other
output: persistent://acme/text/out
logTopic: acme/text/reverse-log
logLevel: DEBUG
deadLetterTopic: acme/text/reverse-dlq
subName: reverse-sub
subscriptionPosition: Earliest
processingGuarantees: ATLEAST_ONCE
retainOrdering: false
retainKeyOrdering: true
maxMessageRetries: 5
parallelism: 3
timeoutMs: 10000
forwardSourceMessageProperty: false
autoAck: true
userConfig:
  greeting: hello
  limits: { max: 3 }
`;

describe('FunctionConfig file', () => {
  it('maps its keys to the settings', () => {
    const config = configOf({ ...ENV, HOSTNAME: 'pf-acme-text-reverse-1' }, { [FILE]: FULL });
    assert.deepEqual(config.function, {
      tenant: 'acme',
      namespace: 'text',
      name: 'reverse',
      fqfn: 'acme/text/reverse',
      instanceId: 1,
      numInstances: 3,
    });
    assert.equal(config.script.path, '/fn/reverse.sh');
    assert.deepEqual(config.input, {
      topics: ['persistent://acme/text/in', 'persistent://public/default/other'],
      topicsPattern: null,
      subscriptionName: 'reverse-sub',
      subscriptionType: 'KeyShared',
      subscriptionPosition: 'Earliest',
    });
    assert.deepEqual(config.output, {
      topic: 'persistent://acme/text/out',
      forwardSourceMessageProperty: false,
      trimTrailingNewline: true,
    });
    assert.equal(config.logTopic, 'persistent://acme/text/reverse-log');
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.delivery, {
      processingGuarantees: 'ATLEAST_ONCE',
      retainOrdering: false,
      retainKeyOrdering: true,
      maxMessageRetries: 5,
      deadLetterTopic: 'persistent://acme/text/reverse-dlq',
      negativeAckRedeliveryDelayMs: 5000,
    });
    assert.equal(config.script.timeoutMs, 10000);
    assert.deepEqual(config.userConfig, { greeting: 'hello', limits: { max: 3 } });
    assert.equal(config.functionConfigFile, FILE);
    assert.deepEqual(warningsOf(ENV, { [FILE]: FULL }), []);
  });

  it('is overridden by the environment, key by key', () => {
    const config = configOf(
      {
        ...ENV,
        PF_NAME: 'rev2',
        PF_NUM_INSTANCES: '1',
        PF_OUTPUT: 'acme/text/out2',
        PF_RETAIN_KEY_ORDERING: 'false',
        PF_MAX_MESSAGE_RETRIES: '1',
        PF_USER_CONFIG: '{"only":"env"}',
        PF_SCRIPT: '/fn/my script.sh',
      },
      { [FILE]: FULL },
    );
    assert.equal(config.function.fqfn, 'acme/text/rev2');
    assert.equal(config.function.numInstances, 1);
    assert.equal(config.output.topic, 'persistent://acme/text/out2');
    assert.equal(config.input.subscriptionType, 'Shared');
    assert.equal(config.input.subscriptionName, 'reverse-sub');
    assert.equal(config.delivery.maxMessageRetries, 1);
    assert.deepEqual(config.userConfig, { only: 'env' });
    assert.equal(config.script.path, '/fn/my script.sh');
    assert.equal(config.logLevel, 'debug');
  });

  it('takes its inputs as a whole from the environment when either input variable is set', () => {
    const pattern = configOf({ ...ENV, PF_TOPICS_PATTERN: 'acme/text/in-.*' }, { [FILE]: FULL });
    assert.deepEqual(pattern.input.topics, []);
    assert.equal(pattern.input.topicsPattern, 'persistent://acme/text/in-.*');
    const file = `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'\ntopicsPattern: in-.*\n`;
    const inputs = configOf({ ...ENV, PF_INPUTS: 'x' }, { [FILE]: file });
    assert.deepEqual(inputs.input.topics, ['persistent://public/default/x']);
    assert.equal(inputs.input.topicsPattern, null);
  });

  it('reads inputs from inputSpecs, customSerdeInputs and customSchemaInputs', () => {
    const file = `
customRuntimeOptions: '{"script": "/fn/reverse.sh"}'
inputs: [a]
inputSpecs:
  b: { receiverQueueSize: 10, schemaType: STRING }
  c:
customSerdeInputs: { d: com.example.Serde }
customSchemaInputs: { e: '{"schemaType":"JSON"}' }
`;
    const config = configOf(ENV, { [FILE]: file });
    assert.deepEqual(
      config.input.topics,
      ['a', 'b', 'c', 'd', 'e'].map((t) => `persistent://public/default/${t}`),
    );
    assert.deepEqual(warningsOf(ENV, { [FILE]: file }), [
      `${FILE}: inputSpecs.b.receiverQueueSize: ignored: PF_MAX_PENDING sizes what the consumer asks the broker for`,
      `${FILE}: inputSpecs.b.schemaType: ignored: the script reads and writes raw bytes; schemas and SerDe classes do not apply`,
      `${FILE}: customSerdeInputs: ignored: only the topic names are used: the script reads and writes raw bytes; schemas and SerDe classes do not apply`,
      `${FILE}: customSchemaInputs: ignored: only the topic names are used: the script reads and writes raw bytes; schemas and SerDe classes do not apply`,
    ]);
  });

  it('reads a pattern from inputSpecs', () => {
    const file = `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'\ninputSpecs:\n  "acme/text/in-.*": { isRegexPattern: true }\n`;
    assert.equal(configOf(ENV, { [FILE]: file }).input.topicsPattern, 'persistent://acme/text/in-.*');
  });

  it('reads a negative maxMessageRetries as no limit, as Pulsar does', () => {
    const file = `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'\ninputs: [in]\nmaxMessageRetries: -5\n`;
    assert.equal(configOf(ENV, { [FILE]: file }).delivery.maxMessageRetries, null);
  });

  it('accepts numbers and booleans written as strings, as Jackson does', () => {
    const file = `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'\ninputs: [in]\nparallelism: "2"\nretainOrdering: "true"\n`;
    const config = configOf({ ...ENV, PF_INSTANCE_ID: '1' }, { [FILE]: file });
    assert.equal(config.function.numInstances, 2);
    assert.equal(config.delivery.retainOrdering, true);
  });

  it('treats empty keys, blank values and an empty file as absent', () => {
    const file = `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'\ninputs: [in]\noutput:\nlogTopic: ""\n`;
    const config = configOf(ENV, { [FILE]: file });
    assert.equal(config.output.topic, null);
    assert.equal(config.logTopic, null);
    assert.equal(
      configOf({ ...ENV, PF_SCRIPT: '/fn/reverse.sh', PF_INPUTS: 'in' }, { [FILE]: '' }).function.name,
      'reverse',
    );
  });

  it('warns about keys that do not apply to a bash instance', () => {
    const file = `
customRuntimeOptions: '{"script": "/fn/reverse.sh", "jobNamespace": "fns"}'
inputs: [in]
className: org.example.Reverse
jar: reverse.jar
py: reverse.py
go: reverse
runtime: JAVA
functionType: builtin
runtimeFlags: -Xmx1g
inputTypeClassName: java.lang.String
outputTypeClassName: java.lang.String
outputSerdeClassName: org.example.Serde
outputSchemaType: STRING
customSchemaOutputs: { out: x }
producerConfig: { compressionType: LZ4 }
batchBuilder: KEY_BASED
maxPendingAsyncRequests: 1000
resources: { cpu: 1, ram: 1073741824 }
cleanupSubscription: true
exposePulsarAdminClientEnabled: false
skipToLatest: true
fqfn: public/default/reverse
`;
    const runs = `pf-bash runs the bash script named in customRuntimeOptions or PF_SCRIPT`;
    const bytes = 'the script reads and writes raw bytes; schemas and SerDe classes do not apply';
    assert.deepEqual(warningsOf(ENV, { [FILE]: file }), [
      `${FILE}: customRuntimeOptions: ignored: jobNamespace (read by Pulsar's Kubernetes manifest customizer, not by the instance)`,
      `${FILE}: className: ignored: names a Java or Python class; ${runs}`,
      `${FILE}: jar: ignored: the package of a Java function; ${runs}`,
      `${FILE}: py: ignored: the package of a Python function; ${runs}`,
      `${FILE}: go: ignored: the package of a Go function; ${runs}`,
      `${FILE}: runtime: ignored: selects Java, Python or Go; ${runs}`,
      `${FILE}: functionType: ignored: names a built-in function; ${runs}`,
      `${FILE}: runtimeFlags: ignored: flags of the Java or Python runtime`,
      `${FILE}: inputTypeClassName: ignored: ${bytes}`,
      `${FILE}: outputTypeClassName: ignored: ${bytes}`,
      `${FILE}: outputSerdeClassName: ignored: ${bytes}`,
      `${FILE}: outputSchemaType: ignored: ${bytes}`,
      `${FILE}: customSchemaOutputs: ignored: ${bytes}`,
      `${FILE}: producerConfig: ignored: pf-bash configures the output producer itself`,
      `${FILE}: batchBuilder: ignored: pf-bash configures the output producer itself`,
      `${FILE}: maxPendingAsyncRequests: ignored: applies to Java async functions; PF_MAX_PENDING bounds the messages held`,
      `${FILE}: resources: ignored: applies to the deployment (CPU, memory, disk), not to a running instance`,
      `${FILE}: cleanupSubscription: ignored: applies when the function is deleted, not to a running instance`,
      `${FILE}: exposePulsarAdminClientEnabled: ignored: a bash script has no Pulsar admin client`,
      `${FILE}: skipToLatest: ignored: the instance always resumes from the position the subscription acknowledged`,
      `${FILE}: fqfn: ignored: pf-bash derives it from tenant, namespace and name`,
    ]);
  });
});

describe('FunctionConfig file problems', () => {
  const script = `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'\ninputs: [in]\n`;
  const cases: readonly (readonly [string, string, string])[] = [
    [
      'an unknown key, with a suggestion',
      'retainOrderring: true',
      `${FILE}: retainOrderring: unknown key (not a Pulsar FunctionConfig key); did you mean retainOrdering?`,
    ],
    ['an unknown key', 'colour: blue', `${FILE}: colour: unknown key (not a Pulsar FunctionConfig key)`],
    [
      'windowing',
      'windowConfig: { windowLengthCount: 10 }',
      `${FILE}: windowConfig: windowing is not supported: the script runs once per message`,
    ],
    [
      'secrets',
      'secrets: { token: { path: s, key: k } }',
      `${FILE}: secrets: not supported: pass secrets to the script as environment variables (e.g. from a Kubernetes Secret)`,
    ],
    [
      'a top-level script key',
      'script: /fn/reverse.sh',
      `${FILE}: script: not a FunctionConfig key: name the script in customRuntimeOptions, as '{"script": "/fn/reverse.sh"}', or in PF_SCRIPT`,
    ],
    [
      'a list for a single value',
      'output: [a, b]',
      `${FILE}: output: expected a single value, not a list or mapping`,
    ],
    [
      'autoAck false',
      'autoAck: false',
      `${FILE}: autoAck=false: only true is supported: PF_PROCESSING_GUARANTEES decides when messages are acknowledged`,
    ],
    [
      'producer encryption',
      'producerConfig: { cryptoConfig: { producerCryptoFailureAction: FAIL } }',
      `${FILE}: producerConfig.cryptoConfig: end-to-end encryption is not supported`,
    ],
    ['user config not a mapping', 'userConfig: hello', `${FILE}: userConfig=hello: expected a mapping`],
    [
      'a file value that does not parse',
      'parallelism: 0',
      `${FILE}: parallelism=0: expected a positive integer`,
    ],
    [
      'a file enum',
      'processingGuarantees: MANUAL',
      `${FILE}: processingGuarantees=MANUAL: not supported: the script's exit code decides the acknowledgement; expected ATLEAST_ONCE, ATMOST_ONCE or EFFECTIVELY_ONCE`,
    ],
    [
      'a conflict between file values',
      'retainOrdering: true\nretainKeyOrdering: true',
      `${FILE}: retainKeyOrdering=true: conflicts with retainOrdering=true in ${FILE}; set only one`,
    ],
    [
      'output equal to an input from the file',
      'output: persistent://public/default/in',
      `${FILE}: output=persistent://public/default/in: persistent://public/default/in is also an input topic; the function would consume its own output`,
    ],
  ];
  for (const [what, extra, line] of cases) {
    it(what, () => assert.deepEqual(problemsOf(ENV, { [FILE]: `${script}${extra}\n` }), [line]));
  }

  it('names file and environment settings in a conflict', () => {
    assert.deepEqual(problemsOf({ ...ENV, PF_INSTANCE_ID: '3' }, { [FILE]: `${script}parallelism: 2\n` }), [
      `PF_INSTANCE_ID=3: expected less than parallelism=2 in ${FILE}`,
    ]);
  });

  const noScript: readonly (readonly [string, string, string])[] = [
    ['inputs not a list', 'inputs: in', `${FILE}: inputs=in: expected a list of topic names`],
    ['inputs holding a mapping', 'inputs: [{ a: 1 }]', `${FILE}: inputs: expected a list of topic names`],
    [
      'customSerdeInputs not a mapping',
      'inputs: [in]\ncustomSerdeInputs: x',
      `${FILE}: customSerdeInputs=x: expected a mapping of topic names to class names`,
    ],
    [
      'inputSpecs not a mapping',
      'inputSpecs: [in]',
      `${FILE}: inputSpecs: expected a mapping of topic names to consumer settings`,
    ],
    [
      'an input spec not a mapping',
      'inputSpecs: { in: 3 }',
      `${FILE}: inputSpecs.in=3: expected a mapping of consumer settings`,
    ],
    [
      'an unknown input spec key',
      'inputSpecs: { in: { schemaTyp: AVRO } }',
      `${FILE}: inputSpecs.in.schemaTyp: unknown key (not a Pulsar ConsumerConfig key); did you mean schemaType?`,
    ],
    [
      'input encryption',
      'inputSpecs: { in: { cryptoConfig: { a: 1 } } }',
      `${FILE}: inputSpecs.in.cryptoConfig: end-to-end encryption is not supported`,
    ],
    [
      'isRegexPattern not a boolean',
      'inputSpecs: { in: { isRegexPattern: maybe } }',
      `${FILE}: inputSpecs.in.isRegexPattern=maybe: expected true or false`,
    ],
    [
      'two patterns',
      'topicsPattern: a.*\ninputSpecs: { "b.*": { isRegexPattern: true } }',
      `${FILE}: topicsPattern, inputSpecs="a.* b.*": expected one topics pattern at most`,
    ],
    [
      'inputs and a pattern in the file',
      'inputs: [in]\ntopicsPattern: in-.*',
      `${FILE}: topicsPattern=in-.*: conflicts with inputs=in in ${FILE}; set only one`,
    ],
  ];
  for (const [what, yaml, line] of noScript) {
    it(what, () => {
      const env = { ...ENV, PF_SCRIPT: '/fn/reverse.sh' };
      const lines = problemsOf(env, { [FILE]: `${yaml}\n` });
      // Problems of the inputs leave the function without inputs: that is reported too, after the file's.
      assert.equal(lines[0], line);
    });
  }

  it('reports a bad customRuntimeOptions', () => {
    const env = { ...ENV, PF_INPUTS: 'in' };
    const example = `'{"script": "/fn/reverse.sh"}'`;
    assert.deepEqual(problemsOf(env, { [FILE]: 'customRuntimeOptions: not json\n' }), [
      `${FILE}: customRuntimeOptions="not json": expected a JSON object in a string, such as ${example}`,
      'PF_SCRIPT: missing: expected the path of the bash script to run',
    ]);
    assert.deepEqual(problemsOf(env, { [FILE]: 'customRuntimeOptions: \'{"script": 3}\'\n' }), [
      `${FILE}: customRuntimeOptions.script=3: expected the path of the bash script, a string`,
      'PF_SCRIPT: missing: expected the path of the bash script to run',
    ]);
    assert.deepEqual(problemsOf(env, { [FILE]: 'customRuntimeOptions: \'{"script": "/fn/nope.sh"}\'\n' }), [
      `${FILE}: customRuntimeOptions.script=/fn/nope.sh: expected a readable file (the bash script to run)`,
    ]);
  });

  it('reports a file that cannot be read or parsed', () => {
    const env = { PF_SCRIPT: '/fn/reverse.sh', PF_INPUTS: 'in' };
    assert.deepEqual(problemsOf({ ...env, PF_FUNCTION_CONFIG_FILE: '/fn/nope.yaml' }), [
      'PF_FUNCTION_CONFIG_FILE=/fn/nope.yaml: expected a readable Pulsar FunctionConfig YAML file',
    ]);
    assert.deepEqual(problemsOf({ ...env, ...ENV }, { [FILE]: 'a: 1\na: 2\n' }), [
      `PF_FUNCTION_CONFIG_FILE=${FILE}: not valid YAML: Map keys must be unique at line 2, column 1`,
    ]);
    assert.deepEqual(problemsOf({ ...env, ...ENV }, { [FILE]: '- a\n- b\n' }), [
      `PF_FUNCTION_CONFIG_FILE=${FILE}: expected a YAML mapping of Pulsar FunctionConfig keys`,
    ]);
  });
});
