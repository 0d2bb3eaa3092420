// Reads a Pulsar FunctionConfig YAML file (as `pulsar-admin functions create --function-config-file` takes) into
// the settings it maps to, each keyed by the environment variable that overrides it and given as text, so that
// the loader parses file and environment values alike. Keys follow Pulsar's FunctionConfig and ConsumerConfig;
// the script is named in customRuntimeOptions (a JSON string Pulsar leaves to the runtime), so that the file stays
// one that pulsar-admin accepts (it rejects unknown keys).
import { parseDocument } from 'yaml';
import { closestName } from './suggest.ts';
import type { ConfigProblem } from './types.ts';
import { isPlainObject } from './values.ts';

/** A file setting as text, and the key(s) it came from (for problem lines). */
export interface FileValue {
  readonly text: string;
  readonly key: string;
}

export interface FunctionConfigFile {
  /** By the environment variable that overrides the value. */
  readonly values: ReadonlyMap<string, FileValue>;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

/** Keys holding one value, by the variable that overrides them. */
const SCALAR_KEYS: Readonly<Record<string, string>> = {
  tenant: 'PF_TENANT',
  namespace: 'PF_NAMESPACE',
  name: 'PF_NAME',
  topicsPattern: 'PF_TOPICS_PATTERN',
  output: 'PF_OUTPUT',
  logTopic: 'PF_LOG_TOPIC',
  logLevel: 'PF_LOG_LEVEL',
  deadLetterTopic: 'PF_DEAD_LETTER_TOPIC',
  subName: 'PF_SUBSCRIPTION_NAME',
  subscriptionPosition: 'PF_SUBSCRIPTION_POSITION',
  processingGuarantees: 'PF_PROCESSING_GUARANTEES',
  retainOrdering: 'PF_RETAIN_ORDERING',
  retainKeyOrdering: 'PF_RETAIN_KEY_ORDERING',
  parallelism: 'PF_NUM_INSTANCES',
  timeoutMs: 'PF_TIMEOUT_MS',
  maxMessageRetries: 'PF_MAX_MESSAGE_RETRIES',
  forwardSourceMessageProperty: 'PF_FORWARD_SOURCE_MESSAGE_PROPERTY',
};

const NOT_BASH = 'pf-bash runs the bash script named in customRuntimeOptions or PF_SCRIPT';
const SCRIPT_EXAMPLE = `'{"script": "/fn/reverse.sh"}'`;
const RAW_BYTES = 'the script reads and writes raw bytes; schemas and SerDe classes do not apply';

/** Keys that do not apply to a bash function instance: a warning, and the file still loads. */
const IGNORED_KEYS: Readonly<Record<string, string>> = {
  className: `names a Java or Python class; ${NOT_BASH}`,
  jar: `the package of a Java function; ${NOT_BASH}`,
  py: `the package of a Python function; ${NOT_BASH}`,
  go: `the package of a Go function; ${NOT_BASH}`,
  runtime: `selects Java, Python or Go; ${NOT_BASH}`,
  functionType: `names a built-in function; ${NOT_BASH}`,
  runtimeFlags: 'flags of the Java or Python runtime',
  inputTypeClassName: RAW_BYTES,
  outputTypeClassName: RAW_BYTES,
  outputSerdeClassName: RAW_BYTES,
  outputSchemaType: RAW_BYTES,
  customSchemaOutputs: RAW_BYTES,
  producerConfig: 'pf-bash configures the output producer itself',
  batchBuilder: 'pf-bash configures the output producer itself',
  maxPendingAsyncRequests: 'applies to Java async functions; PF_MAX_PENDING bounds the messages held',
  resources: 'applies to the deployment (CPU, memory, disk), not to a running instance',
  cleanupSubscription: 'applies when the function is deleted, not to a running instance',
  exposePulsarAdminClientEnabled: 'a bash script has no Pulsar admin client',
  skipToLatest: 'the instance always resumes from the position the subscription acknowledged',
  fqfn: 'pf-bash derives it from tenant, namespace and name',
};

/** Keys whose meaning pf-bash cannot honour: a problem. */
const REJECTED_KEYS: Readonly<Record<string, string>> = {
  windowConfig: 'windowing is not supported: the script runs once per message',
  secrets:
    'not supported: pass secrets to the script as environment variables (e.g. from a Kubernetes Secret)',
  script: `not a FunctionConfig key: name the script in customRuntimeOptions, as ${SCRIPT_EXAMPLE}, or in PF_SCRIPT`,
};

const INPUT_LIST_KEYS = ['inputs', 'customSerdeInputs', 'customSchemaInputs', 'inputSpecs'];
const OTHER_KEYS = ['userConfig', 'autoAck', 'customRuntimeOptions'];
const KNOWN_KEYS = [
  ...Object.keys(SCALAR_KEYS),
  ...Object.keys(IGNORED_KEYS),
  ...Object.keys(REJECTED_KEYS),
  ...INPUT_LIST_KEYS,
  ...OTHER_KEYS,
];

/** Pulsar's ConsumerConfig, the value type of inputSpecs. */
const INPUT_SPEC_IGNORED: Readonly<Record<string, string>> = {
  schemaType: RAW_BYTES,
  serdeClassName: RAW_BYTES,
  schemaProperties: RAW_BYTES,
  consumerProperties: 'pf-bash sets the consumer properties itself',
  receiverQueueSize: 'PF_MAX_PENDING sizes what the consumer asks the broker for',
  poolMessages: 'applies to the Java client only',
  messagePayloadProcessorConfig: 'applies to the Java client only',
};
const INPUT_SPEC_KEYS = [...Object.keys(INPUT_SPEC_IGNORED), 'isRegexPattern', 'cryptoConfig'];

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** What the readers of single keys add to. */
class FileReading {
  readonly values = new Map<string, FileValue>();
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  readonly topics: string[] = [];
  readonly topicKeys = new Set<string>();
  readonly patterns: string[] = [];
  readonly patternKeys = new Set<string>();
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  problem(key: string, value: unknown, message: string): void {
    // Only scalars are shown: a list or mapping would not fit on the problem's line.
    this.problems.push({ setting: `${this.#path}: ${key}`, value: scalarText(value), message });
  }

  warn(key: string, message: string): void {
    this.warnings.push({
      setting: `${this.#path}: ${key}`,
      value: undefined,
      message: `ignored: ${message}`,
    });
  }

  fileProblem(message: string): FunctionConfigFile {
    this.problems.push({ setting: 'PF_FUNCTION_CONFIG_FILE', value: this.#path, message });
    return this;
  }

  addTopic(key: string, topic: string): void {
    this.topics.push(topic);
    this.topicKeys.add(key);
  }

  addPattern(key: string, pattern: string): void {
    this.patterns.push(pattern);
    this.patternKeys.add(key);
  }
}

/** Parses the file's text; `path` names the file in problem lines. */
export function readFunctionConfigFile(path: string, text: string): FunctionConfigFile {
  const r = new FileReading(path);
  const document = parseDocument(text);
  const [syntaxError] = document.errors;
  if (syntaxError !== undefined) {
    // yaml's messages continue with a code excerpt on further lines; the first line has the reason and place.
    return r.fileProblem(`not valid YAML: ${syntaxError.message.split('\n')[0]?.replace(/:$/, '')}`);
  }
  const root: unknown = document.toJS();
  if (root === null || root === undefined) return r;
  if (!isPlainObject(root)) return r.fileProblem('expected a YAML mapping of Pulsar FunctionConfig keys');

  for (const [key, value] of Object.entries(root)) {
    // An empty key (`output:`) is absent, as Jackson reads it as null.
    if (value !== null) readKey(r, key, value);
  }
  if (r.topics.length > 0) {
    r.values.set('PF_INPUTS', { text: r.topics.join(','), key: [...r.topicKeys].join(', ') });
  }
  const patternKey = [...r.patternKeys].join(', ');
  if (r.patterns.length > 1) {
    r.problem(patternKey, r.patterns.join(' '), 'expected one topics pattern at most');
  } else if (r.patterns[0] !== undefined) {
    r.values.set('PF_TOPICS_PATTERN', { text: r.patterns[0], key: patternKey });
  }
  return r;
}

function readKey(r: FileReading, key: string, value: unknown): void {
  const variable = SCALAR_KEYS[key];
  if (variable !== undefined) {
    const text = scalarText(value);
    if (text === undefined) r.problem(key, value, 'expected a single value, not a list or mapping');
    else if (key === 'topicsPattern') r.addPattern(key, text);
    // Pulsar reads any negative maxMessageRetries as "no limit".
    else if (key === 'maxMessageRetries' && typeof value === 'number' && value < 0)
      r.values.set(variable, { text: '-1', key });
    else r.values.set(variable, { text, key });
  } else if (key in IGNORED_KEYS) {
    r.warn(key, IGNORED_KEYS[key] ?? '');
    if (key === 'producerConfig' && isPlainObject(value) && value.cryptoConfig != null) {
      r.problem('producerConfig.cryptoConfig', undefined, 'end-to-end encryption is not supported');
    }
  } else if (key in REJECTED_KEYS) {
    r.problem(key, undefined, REJECTED_KEYS[key] ?? '');
  } else if (key === 'inputs') {
    const list = Array.isArray(value) ? value.map(scalarText) : [undefined];
    if (list.some((topic) => topic === undefined)) r.problem(key, value, 'expected a list of topic names');
    else for (const topic of list) r.addTopic(key, topic ?? '');
  } else if (key === 'customSerdeInputs' || key === 'customSchemaInputs') {
    // Pulsar subscribes to these topics too; only their SerDe class or schema is of no use here.
    if (!isPlainObject(value)) {
      r.problem(key, value, 'expected a mapping of topic names to class names');
      return;
    }
    for (const topic of Object.keys(value)) r.addTopic(key, topic);
    r.warn(key, `only the topic names are used: ${RAW_BYTES}`);
  } else if (key === 'inputSpecs') {
    readInputSpecs(r, value);
  } else if (key === 'userConfig') {
    if (isPlainObject(value)) r.values.set('PF_USER_CONFIG', { text: JSON.stringify(value), key });
    else r.problem(key, value, 'expected a mapping');
  } else if (key === 'customRuntimeOptions') {
    readRuntimeOptions(r, value);
  } else if (key === 'autoAck') {
    // Deprecated in Pulsar, where true is the default; false means "the function acks", which a script cannot.
    if (value !== true && value !== 'true') {
      r.problem(
        key,
        value,
        'only true is supported: PF_PROCESSING_GUARANTEES decides when messages are acknowledged',
      );
    }
  } else {
    r.problem(key, undefined, unknownKey(key, KNOWN_KEYS, 'FunctionConfig'));
  }
}

/** Keys are topics, or a pattern with `isRegexPattern: true`; the values are Pulsar's ConsumerConfig. */
function readInputSpecs(r: FileReading, value: unknown): void {
  if (!isPlainObject(value)) {
    r.problem('inputSpecs', value, 'expected a mapping of topic names to consumer settings');
    return;
  }
  for (const [topic, spec] of Object.entries(value)) {
    const specKey = `inputSpecs.${topic}`;
    if (spec !== null && !isPlainObject(spec)) {
      r.problem(specKey, spec, 'expected a mapping of consumer settings');
      continue;
    }
    const settings = spec ?? {};
    for (const [name, setting] of Object.entries(settings)) {
      if (setting === null || setting === false) continue;
      const key = `${specKey}.${name}`;
      if (name === 'cryptoConfig') r.problem(key, undefined, 'end-to-end encryption is not supported');
      else if (name in INPUT_SPEC_IGNORED) r.warn(key, INPUT_SPEC_IGNORED[name] ?? '');
      else if (!INPUT_SPEC_KEYS.includes(name))
        r.problem(key, undefined, unknownKey(name, INPUT_SPEC_KEYS, 'ConsumerConfig'));
    }
    const regex = settings.isRegexPattern;
    if (regex === true || regex === 'true') r.addPattern('inputSpecs', topic);
    else if (regex === undefined || regex === null || regex === false || regex === 'false')
      r.addTopic('inputSpecs', topic);
    else r.problem(`${specKey}.isRegexPattern`, regex, 'expected true or false');
  }
}

/** `customRuntimeOptions: '{"script": "/fn/reverse.sh"}'`; other keys are left to Pulsar's manifest customizer. */
function readRuntimeOptions(r: FileReading, value: unknown): void {
  const key = 'customRuntimeOptions';
  let options: unknown;
  try {
    options = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    options = undefined;
  }
  if (!isPlainObject(options)) {
    r.problem(key, value, `expected a JSON object in a string, such as ${SCRIPT_EXAMPLE}`);
    return;
  }
  const { script, ...others } = options;
  if (typeof script === 'string') r.values.set('PF_SCRIPT', { text: script, key: `${key}.script` });
  else if (script !== undefined)
    r.problem(`${key}.script`, script, 'expected the path of the bash script, a string');
  const otherKeys = Object.keys(others);
  if (otherKeys.length > 0) {
    r.warn(
      key,
      `${otherKeys.join(', ')} (read by Pulsar's Kubernetes manifest customizer, not by the instance)`,
    );
  }
}

function unknownKey(key: string, known: readonly string[], kind: string): string {
  const suggestion = closestName(key, known);
  const unknown = `unknown key (not a Pulsar ${kind} key)`;
  return suggestion === undefined ? unknown : `${unknown}; did you mean ${suggestion}?`;
}
