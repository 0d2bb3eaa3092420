// The function's identity (tenant, namespace, name, instance) and the broker connection (URL, token, TLS).
import { DEFAULTS, functionNameFromScript, ordinalOfHostname } from './defaults.ts';
import type { Settings } from './settings.ts';
import { ENTITY_NAME } from './topic-name.ts';
import type { BrokerAuth, BrokerConfig, FunctionIdentity, ReadFile } from './types.ts';
import { type Parsed, parseBoolean, parseInteger } from './values.ts';

const NAME_RULE = 'expected letters, digits and - _ = : . only';

const entityName = (text: string): Parsed<string> =>
  ENTITY_NAME.test(text) ? { ok: true, value: text } : { ok: false, expected: NAME_RULE };

/** The identity, or undefined when a part of it is invalid (problems are in `s`). */
export function readIdentity(s: Settings, scriptPath: string | undefined): FunctionIdentity | undefined {
  const tenant = s.value('PF_TENANT', entityName, DEFAULTS.tenant);
  const namespace = s.value('PF_NAMESPACE', entityName, DEFAULTS.namespace);
  let name: string | undefined;
  if (s.isSet('PF_NAME')) {
    name = s.value('PF_NAME', entityName, '');
  } else if (scriptPath !== undefined) {
    name = functionNameFromScript(scriptPath);
    if (!ENTITY_NAME.test(name)) {
      s.problem('PF_NAME', `missing, and the script's file name gives ${JSON.stringify(name)}: ${NAME_RULE}`);
      name = undefined;
    }
  }
  const numInstances = s.value('PF_NUM_INSTANCES', (t) => parseInteger(t, 1), DEFAULTS.numInstances);
  const instanceId = numInstances === undefined ? undefined : readInstanceId(s, numInstances);
  if (tenant === undefined || namespace === undefined || name === undefined) return undefined;
  if (numInstances === undefined || instanceId === undefined) return undefined;
  return { tenant, namespace, name, fqfn: `${tenant}/${namespace}/${name}`, instanceId, numInstances };
}

/** PF_INSTANCE_ID, else the ordinal ending the pod's name (as a StatefulSet names pods), else 0. */
function readInstanceId(s: Settings, numInstances: number): number | undefined {
  const below = `expected less than ${s.reference('PF_NUM_INSTANCES', numInstances)}`;
  if (s.isSet('PF_INSTANCE_ID')) {
    const id = s.value('PF_INSTANCE_ID', (t) => parseInteger(t, 0), 0);
    if (id !== undefined && id >= numInstances) {
      s.problem('PF_INSTANCE_ID', below);
      return undefined;
    }
    return id;
  }
  // POD_NAME is what Pulsar's Kubernetes runtime passes through the downward API; HOSTNAME is the same in a pod.
  const hostVariable = s.env('POD_NAME') !== undefined ? 'POD_NAME' : 'HOSTNAME';
  const host = s.env(hostVariable);
  const ordinal = host === undefined ? undefined : ordinalOfHostname(host);
  if (ordinal === undefined) return 0;
  if (ordinal >= numInstances) {
    s.problemAt(
      hostVariable,
      host,
      `its ordinal ${ordinal} is the default instance id, ${below}; set PF_INSTANCE_ID`,
    );
    return undefined;
  }
  return ordinal;
}

const SERVICE_URL = /^pulsar(\+ssl)?:\/\/[^\s/?#]+\/?$/;
const parseServiceUrl = (text: string): Parsed<string> =>
  SERVICE_URL.test(text)
    ? { ok: true, value: text }
    : {
        ok: false,
        expected: 'expected pulsar://host:port or pulsar+ssl://host:port (or a comma list of hosts)',
      };

const TLS_VARIABLES = ['PF_TLS_TRUST_CERTS_FILE', 'PF_TLS_ALLOW_INSECURE', 'PF_TLS_VALIDATE_HOSTNAME'];

export function readBroker(s: Settings, readFile: ReadFile): BrokerConfig | undefined {
  const serviceUrl = s.value('PF_SERVICE_URL', parseServiceUrl, DEFAULTS.serviceUrl);
  const auth = readAuth(s, readFile);
  const trustFile = s.text('PF_TLS_TRUST_CERTS_FILE') ?? null;
  if (trustFile !== null && readFile(trustFile) === undefined) {
    s.problem(
      'PF_TLS_TRUST_CERTS_FILE',
      'expected a readable PEM file of the certificate authorities to trust',
    );
  }
  const allowInsecure = s.value('PF_TLS_ALLOW_INSECURE', parseBoolean, DEFAULTS.tlsAllowInsecureConnection);
  const validateHostname = s.value('PF_TLS_VALIDATE_HOSTNAME', parseBoolean, DEFAULTS.tlsValidateHostname);
  if (serviceUrl !== undefined && !serviceUrl.startsWith('pulsar+ssl:')) {
    const url = s.reference('PF_SERVICE_URL', serviceUrl);
    for (const variable of TLS_VARIABLES.filter((v) => s.isSet(v))) {
      s.warn(variable, `ignored: ${url} does not use TLS (pulsar+ssl://)`);
    }
  }
  if (serviceUrl === undefined || auth === undefined) return undefined;
  if (allowInsecure === undefined || validateHostname === undefined) return undefined;
  return {
    serviceUrl,
    auth,
    tlsTrustCertsFilePath: trustFile,
    tlsAllowInsecureConnection: allowInsecure,
    tlsValidateHostname: validateHostname,
  };
}

/** Tokens come from the environment only, never from the FunctionConfig file. */
function readAuth(s: Settings, readFile: ReadFile): BrokerAuth | undefined {
  const token = s.env('PF_AUTH_TOKEN');
  const tokenFile = s.env('PF_AUTH_TOKEN_FILE');
  if (token !== undefined && tokenFile !== undefined) {
    s.problem('PF_AUTH_TOKEN', `conflicts with PF_AUTH_TOKEN_FILE=${tokenFile}; set only one`);
    return undefined;
  }
  if (token !== undefined) return { kind: 'token', token };
  if (tokenFile === undefined) return { kind: 'none' };
  // Read now only to fail early; the client reads it again on every connect, so a rotated token is picked up.
  const content = readFile(tokenFile);
  if (content === undefined || content.trim() === '') {
    const why =
      content === undefined
        ? 'expected a readable file'
        : 'expected a file holding a token, not an empty one';
    s.problem('PF_AUTH_TOKEN_FILE', why);
    return undefined;
  }
  return { kind: 'tokenFile', path: tokenFile };
}
