// What the manifests are made from: a narrow description of one function's deployment (the CLI maps its options
// and the runtime's config onto it), its defaults, and the checks that run before any object is built.
import { DEFAULTS } from '../runtime/config/index.ts';
import { DNS_1123_LABEL, DNS_1123_SUBDOMAIN, LABEL_VALUE } from './names.ts';

export const ImagePullPolicy = { Always: 'Always', IfNotPresent: 'IfNotPresent', Never: 'Never' } as const;
export type ImagePullPolicy = (typeof ImagePullPolicy)[keyof typeof ImagePullPolicy];

/** How the broker token reaches the runtime. Either way it comes from a Secret and is never written inline. */
export const TokenDelivery = {
  /** A Secret volume; PF_AUTH_TOKEN_FILE names the file, which the runtime re-reads, so rotation needs no restart. */
  File: 'file',
  /** PF_AUTH_TOKEN from `valueFrom.secretKeyRef`; a rotated token needs a restart. */
  Env: 'env',
} as const;
export type TokenDelivery = (typeof TokenDelivery)[keyof typeof TokenDelivery];

export interface SecretKeyRef {
  /** The Secret's name, in the namespace the objects are applied to. */
  readonly name: string;
  /** The key within the Secret that holds the token. */
  readonly key: string;
  /** Default `file`. */
  readonly delivery?: TokenDelivery;
}

export interface ResourceQuantities {
  /** A Kubernetes quantity: `1`, `500m`. */
  readonly cpu?: string;
  /** A Kubernetes quantity: `1Gi`, `256Mi`. */
  readonly memory?: string;
}

export interface FunctionDeployment {
  readonly tenant: string;
  readonly namespace: string;
  readonly name: string;
  /** The function's image, as built by `pf-bash build`. */
  readonly image: string;
  /** Default `IfNotPresent`. */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Instances (pods) of the function, Pulsar's `parallelism`. Default 1. */
  readonly parallelism?: number;
  /** The Kubernetes namespace written into the objects; default none (kubectl's `-n` or context decides). */
  readonly kubernetesNamespace?: string;
  /**
   * Non-secret settings as environment variables (PF_INPUTS, PF_OUTPUT, …, see docs/configuration.md). The
   * variables the manifest sets itself (identity, instances, port, drain, token) are refused here.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the broker token is; none for a broker without authentication. */
  readonly authTokenSecret?: SecretKeyRef;
  /** Pulsar's defaults: 1 CPU and 1 GiB limits; requests default to the limits. */
  readonly resources?: { readonly requests?: ResourceQuantities; readonly limits?: ResourceQuantities };
  /** The runtime's HTTP port (probes, metrics, status). Default 9094, the runtime's. */
  readonly httpPort?: number;
  /** How long a stopping instance lets running scripts finish. Default 30000, the runtime's. */
  readonly drainTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL for a script still running after the drain. Default 5000, the runtime's. */
  readonly killGraceMs?: number;
  /** Size limit of the writable /tmp (an emptyDir). Default `256Mi`. */
  readonly tmpSizeLimit?: string;
  /**
   * Share the pod's process namespace, so that the pause container is PID 1 and reaps the orphans that scripts
   * leave, whatever the image's base. Default true (see images/function/README.md, "PID 1").
   */
  readonly shareProcessNamespace?: boolean;
  /** Extra labels for every object and pod; they cannot replace the labels pf-bash sets. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A deployment with every default filled in. */
export interface ResolvedDeployment {
  readonly tenant: string;
  readonly namespace: string;
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly parallelism: number;
  readonly kubernetesNamespace: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly authTokenSecret: Required<SecretKeyRef> | undefined;
  readonly resources: {
    readonly requests: Required<ResourceQuantities>;
    readonly limits: Required<ResourceQuantities>;
  };
  readonly httpPort: number;
  readonly drainTimeoutMs: number;
  readonly killGraceMs: number;
  readonly tmpSizeLimit: string;
  readonly shareProcessNamespace: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export const DEPLOYMENT_DEFAULTS = {
  imagePullPolicy: ImagePullPolicy.IfNotPresent,
  parallelism: 1,
  /** Pulsar's Kubernetes runtime: 1 CPU and 1 GiB when the function names no resources. */
  cpu: '1',
  memory: '1Gi',
  httpPort: DEFAULTS.httpPort,
  drainTimeoutMs: DEFAULTS.drainTimeoutMs,
  killGraceMs: DEFAULTS.killGraceMs,
  tmpSizeLimit: '256Mi',
  shareProcessNamespace: true,
  tokenDelivery: TokenDelivery.File,
} as const;

/**
 * Variables the manifest sets from typed fields. PF_INSTANCE_ID above all: one fixed value would give every pod
 * the same instance id; the runtime derives it from POD_NAME instead.
 */
export const MANAGED_ENV = [
  'POD_NAME',
  'PF_TENANT',
  'PF_NAMESPACE',
  'PF_NAME',
  'PF_INSTANCE_ID',
  'PF_NUM_INSTANCES',
  'PF_HTTP_PORT',
  'PF_DRAIN_TIMEOUT_MS',
  'PF_KILL_GRACE_MS',
  'PF_AUTH_TOKEN',
  'PF_AUTH_TOKEN_FILE',
] as const;

/** Raised with every problem found in a FunctionDeployment, one line each. */
export class FunctionDeploymentError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid function deployment:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'FunctionDeploymentError';
    this.problems = problems;
  }
}

/** Pulsar's tenant, namespace and function names. */
const ENTITY_NAME = /^[-=:.\w]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Kubernetes' own quantity grammar (k8s.io/apimachinery resource.Quantity). */
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const IMAGE_REF = /^[^\s]+$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_1123_SUBDOMAIN.test(prefix))) {
    return 'expected a DNS subdomain as the prefix';
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) return 'expected a label name (alphanumerics, -_. inside)';
  return undefined;
}

function checkIdentity(d: FunctionDeployment, problems: string[]): void {
  for (const field of ['tenant', 'namespace', 'name'] as const) {
    if (!ENTITY_NAME.test(d[field])) {
      problems.push(`${field}=${JSON.stringify(d[field])}: expected letters, digits and -_=:.`);
    }
  }
  if (!IMAGE_REF.test(d.image)) {
    problems.push(`image=${JSON.stringify(d.image)}: expected an image reference`);
  }
  const ns = d.kubernetesNamespace;
  if (ns !== undefined && (ns.length > 63 || !DNS_1123_LABEL.test(ns))) {
    problems.push(`kubernetesNamespace=${JSON.stringify(ns)}: expected a DNS label`);
  }
}

function checkEnv(env: Readonly<Record<string, string>>, problems: string[]): void {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) {
      problems.push(`env ${JSON.stringify(name)}: expected a variable name ([A-Za-z_][A-Za-z0-9_]*)`);
    } else if ((MANAGED_ENV as readonly string[]).includes(name)) {
      problems.push(`env ${name}: set by the manifest itself; use the deployment's own field instead`);
    }
  }
  const httpHost = env.PF_HTTP_HOST?.trim();
  if (httpHost !== undefined && /^(127\.|localhost$|::1$|\[::1\]$)/.test(httpHost)) {
    problems.push(
      `env PF_HTTP_HOST=${httpHost}: the kubelet probes the pod's address; listen on 0.0.0.0 or ::`,
    );
  }
}

function checkSecret(secret: SecretKeyRef | undefined, problems: string[]): void {
  if (secret === undefined) return;
  if (secret.name.length > 253 || !DNS_1123_SUBDOMAIN.test(secret.name)) {
    problems.push(
      `authTokenSecret.name=${JSON.stringify(secret.name)}: expected a Secret name (DNS subdomain)`,
    );
  }
  if (secret.key.length > 253 || !SECRET_KEY.test(secret.key)) {
    problems.push(
      `authTokenSecret.key=${JSON.stringify(secret.key)}: expected a Secret key (alphanumerics and -._)`,
    );
  }
}

function checkLabels(
  labels: Readonly<Record<string, string>>,
  ownKeys: readonly string[],
  problems: string[],
): void {
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) problems.push(`labels ${JSON.stringify(key)}: ${keyProblem}`);
    else if (ownKeys.includes(key)) problems.push(`labels ${key}: set by pf-bash itself`);
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      problems.push(
        `labels ${key}=${JSON.stringify(value)}: expected a label value (≤63, alphanumerics at both ends)`,
      );
    }
  }
}

function checkInteger(
  field: string,
  value: number,
  min: number,
  max: number,
  expected: string,
  problems: string[],
): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${field}=${value}: expected ${expected}`);
  }
}

/** Fills in the defaults and checks every field; throws FunctionDeploymentError listing all problems. */
export function resolveDeployment(
  deployment: FunctionDeployment,
  ownLabelKeys: readonly string[],
): ResolvedDeployment {
  const d = deployment;
  const problems: string[] = [];
  checkIdentity(d, problems);
  const parallelism = d.parallelism ?? DEPLOYMENT_DEFAULTS.parallelism;
  checkInteger('parallelism', parallelism, 1, Number.MAX_SAFE_INTEGER, 'a positive integer', problems);
  const httpPort = d.httpPort ?? DEPLOYMENT_DEFAULTS.httpPort;
  const port = 'a port number 1-65535 (probes need a fixed port)';
  checkInteger('httpPort', httpPort, 1, 65535, port, problems);
  const drainTimeoutMs = d.drainTimeoutMs ?? DEPLOYMENT_DEFAULTS.drainTimeoutMs;
  const killGraceMs = d.killGraceMs ?? DEPLOYMENT_DEFAULTS.killGraceMs;
  for (const [field, value] of [
    ['drainTimeoutMs', drainTimeoutMs],
    ['killGraceMs', killGraceMs],
  ] as const) {
    checkInteger(field, value, 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer', problems);
  }
  const env = d.env ?? {};
  checkEnv(env, problems);
  checkSecret(d.authTokenSecret, problems);
  const limits = {
    cpu: d.resources?.limits?.cpu ?? DEPLOYMENT_DEFAULTS.cpu,
    memory: d.resources?.limits?.memory ?? DEPLOYMENT_DEFAULTS.memory,
  };
  const requests = {
    cpu: d.resources?.requests?.cpu ?? limits.cpu,
    memory: d.resources?.requests?.memory ?? limits.memory,
  };
  const tmpSizeLimit = d.tmpSizeLimit ?? DEPLOYMENT_DEFAULTS.tmpSizeLimit;
  const quantities = [
    ['resources.limits.cpu', limits.cpu],
    ['resources.limits.memory', limits.memory],
    ['resources.requests.cpu', requests.cpu],
    ['resources.requests.memory', requests.memory],
    ['tmpSizeLimit', tmpSizeLimit],
  ] as const;
  for (const [field, value] of quantities) {
    if (!QUANTITY.test(value))
      problems.push(`${field}=${JSON.stringify(value)}: expected a Kubernetes quantity`);
  }
  const labels = d.labels ?? {};
  checkLabels(labels, ownLabelKeys, problems);
  if (problems.length > 0) throw new FunctionDeploymentError(problems);
  const secret = d.authTokenSecret;
  return {
    tenant: d.tenant,
    namespace: d.namespace,
    name: d.name,
    image: d.image,
    imagePullPolicy: d.imagePullPolicy ?? DEPLOYMENT_DEFAULTS.imagePullPolicy,
    parallelism,
    kubernetesNamespace: d.kubernetesNamespace,
    env,
    authTokenSecret:
      secret === undefined
        ? undefined
        : {
            name: secret.name,
            key: secret.key,
            delivery: secret.delivery ?? DEPLOYMENT_DEFAULTS.tokenDelivery,
          },
    resources: { requests, limits },
    httpPort,
    drainTimeoutMs,
    killGraceMs,
    tmpSizeLimit,
    shareProcessNamespace: d.shareProcessNamespace ?? DEPLOYMENT_DEFAULTS.shareProcessNamespace,
    labels,
  };
}
