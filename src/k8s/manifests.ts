// A function's Kubernetes objects, as pure data: a headless Service, a StatefulSet with one pod per instance and
// a PodDisruptionBudget. Modelled on Pulsar's Kubernetes runtime (names, labels, replicas = parallelism, Parallel
// pod management, instance id = pod ordinal) plus what it lacks: probes, a grace period longer than the drain,
// a locked-down security context and the token from a Secret.

import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import {
  type FunctionDeployment,
  type ResolvedDeployment,
  resolveDeployment,
  TokenDelivery,
} from './deployment.ts';
import { functionObjectName, labelValue } from './names.ts';

/** The image's user (images/function/Dockerfile). */
export const FUNCTION_UID = 10001;
export const CONTAINER_NAME = 'function';
export const HTTP_PORT_NAME = 'http';
/** Where a token Secret is mounted when delivered as a file; the key becomes the file `token`. */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/pulsar';
export const TOKEN_FILE = `${TOKEN_MOUNT_PATH}/token`;
/**
 * Beyond the drain and the kill grace: acknowledging, flushing the producers and closing. A pod still running at
 * the end of its grace period is SIGKILLed mid-drain, so the margin errs long.
 */
export const SHUTDOWN_MARGIN_SECONDS = 10;

/** Labels pf-bash owns: the selector, Pulsar's four, and the recommended app.kubernetes.io ones. */
export const OWN_LABEL_KEYS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/managed-by',
  'component',
  'tenant',
  'namespace',
  'name',
] as const;

export interface FunctionManifests {
  readonly service: IService;
  readonly statefulSet: IStatefulSet;
  readonly podDisruptionBudget: IPodDisruptionBudget;
}

/** The pod template's grace period: the drain, then the kill grace for scripts still running, then the margin. */
export function terminationGracePeriodSeconds(drainTimeoutMs: number, killGraceMs: number): number {
  return Math.ceil((drainTimeoutMs + killGraceMs) / 1000) + SHUTDOWN_MARGIN_SECONDS;
}

/** The objects for one function (manifestList orders them for applying). Throws FunctionDeploymentError. */
export function functionManifests(deployment: FunctionDeployment): FunctionManifests {
  const d = resolveDeployment(deployment, OWN_LABEL_KEYS);
  const objectName = functionObjectName(d.tenant, d.namespace, d.name);
  // The selector is immutable in a StatefulSet: only labels that never change for a function go in it.
  const selector = { 'app.kubernetes.io/name': 'pf-bash', 'app.kubernetes.io/instance': objectName };
  const labels = {
    ...selector,
    'app.kubernetes.io/component': 'function',
    'app.kubernetes.io/managed-by': 'pf-bash',
    component: 'function',
    tenant: labelValue(d.tenant),
    namespace: labelValue(d.namespace),
    name: labelValue(d.name),
    ...d.labels,
  };
  // Each object gets its own copies, so that a caller adjusting one object does not change another.
  const metadata = () => ({
    name: objectName,
    ...(d.kubernetesNamespace === undefined ? {} : { namespace: d.kubernetesNamespace }),
    labels: { ...labels },
  });
  return {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: {
        // Headless: it gives each pod a stable DNS name (`<pod>.<service>`) for /status, not load balancing.
        clusterIP: 'None',
        // A draining or starting pod still answers /status and /metrics.
        publishNotReadyAddresses: true,
        selector: { ...selector },
        ports: [{ name: HTTP_PORT_NAME, port: d.httpPort, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
      },
    },
    statefulSet: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata(),
      spec: {
        serviceName: objectName,
        replicas: d.parallelism,
        // Instances are independent: start and stop them all at once, as Pulsar does.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: { ...selector } },
        template: {
          metadata: {
            labels: { ...labels },
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(d.httpPort),
              'prometheus.io/path': '/metrics',
              'kubectl.kubernetes.io/default-container': CONTAINER_NAME,
            },
          },
          spec: podSpec(d),
        },
      },
    },
    podDisruptionBudget: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(),
      spec: {
        // One instance at a time, even with parallelism 1: minAvailable would block every node drain.
        maxUnavailable: 1,
        // A pod that is not ready already serves nothing; evicting it must not wait for the budget.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { ...selector } },
      },
    },
  };
}

/** The objects as a list, in the order to apply them. */
export function manifestList(
  manifests: FunctionManifests,
): readonly [IService, IStatefulSet, IPodDisruptionBudget] {
  return [manifests.service, manifests.statefulSet, manifests.podDisruptionBudget];
}

type PodSpec = NonNullable<NonNullable<IStatefulSet['spec']>['template']['spec']>;

function podSpec(d: ResolvedDeployment): PodSpec {
  const volumes: IVolume[] = [{ name: 'tmp', emptyDir: { sizeLimit: d.tmpSizeLimit } }];
  const mounts: IVolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const token = d.authTokenSecret;
  if (token !== undefined && token.delivery === TokenDelivery.File) {
    // 0440 with fsGroup: readable by the function's group only. The kubelet swaps the file atomically on rotation.
    volumes.push({
      name: 'pulsar-token',
      secret: { secretName: token.name, items: [{ key: token.key, path: 'token' }], defaultMode: 0o440 },
    });
    mounts.push({ name: 'pulsar-token', mountPath: TOKEN_MOUNT_PATH, readOnly: true });
  }
  return {
    terminationGracePeriodSeconds: terminationGracePeriodSeconds(d.drainTimeoutMs, d.killGraceMs),
    shareProcessNamespace: d.shareProcessNamespace,
    // The runtime never calls the Kubernetes API.
    automountServiceAccountToken: false,
    // Service links would inject `<SERVICE>_PORT`-style variables, and this function's own Service is named pf-…:
    // PF_PUBLIC_DEFAULT_REVERSE_PORT would land among the runtime's PF_ settings.
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: FUNCTION_UID,
      runAsGroup: FUNCTION_UID,
      fsGroup: FUNCTION_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container(d, mounts)],
    volumes,
  };
}

function container(d: ResolvedDeployment, volumeMounts: IVolumeMount[]): IContainer {
  const port = HTTP_PORT_NAME;
  return {
    name: CONTAINER_NAME,
    image: d.image,
    imagePullPolicy: d.imagePullPolicy,
    // The image's entrypoint and `run` command start the instance; nothing wraps it.
    env: environment(d),
    ports: [{ name: HTTP_PORT_NAME, containerPort: d.httpPort, protocol: 'TCP' }],
    // /healthz answers as soon as the HTTP server is up; the startup probe gives a slow start a minute.
    startupProbe: {
      httpGet: { path: '/healthz', port },
      periodSeconds: 2,
      timeoutSeconds: 2,
      failureThreshold: 30,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    // /readyz: subscribed, not draining and (stream mode) a script process up.
    readinessProbe: {
      httpGet: { path: '/readyz', port },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 2,
    },
    resources: { requests: { ...d.resources.requests }, limits: { ...d.resources.limits } },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts,
  };
}

function environment(d: ResolvedDeployment): IEnvVar[] {
  const env: IEnvVar[] = [
    // The runtime takes the instance id from the pod name's ordinal (pf-…-2 is instance 2), as Pulsar's runtime
    // does; POD_NAME holds on any Kubernetes version, where the pod-index label needs 1.28.
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'PF_TENANT', value: d.tenant },
    { name: 'PF_NAMESPACE', value: d.namespace },
    { name: 'PF_NAME', value: d.name },
    { name: 'PF_NUM_INSTANCES', value: String(d.parallelism) },
    { name: 'PF_HTTP_PORT', value: String(d.httpPort) },
    { name: 'PF_DRAIN_TIMEOUT_MS', value: String(d.drainTimeoutMs) },
    { name: 'PF_KILL_GRACE_MS', value: String(d.killGraceMs) },
  ];
  const token = d.authTokenSecret;
  if (token?.delivery === TokenDelivery.File) env.push({ name: 'PF_AUTH_TOKEN_FILE', value: TOKEN_FILE });
  if (token?.delivery === TokenDelivery.Env) {
    env.push({ name: 'PF_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: token.name, key: token.key } } });
  }
  // Sorted, so that a manifest's diff shows what changed and not how a map was ordered.
  for (const name of Object.keys(d.env).sort()) env.push({ name, value: d.env[name] });
  return env;
}
