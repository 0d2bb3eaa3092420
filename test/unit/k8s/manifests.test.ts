// The fields of a function's Service, StatefulSet and PodDisruptionBudget, and the checks on a FunctionDeployment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type FunctionDeployment,
  FunctionDeploymentError,
  functionManifests,
  MANAGED_ENV,
  terminationGracePeriodSeconds,
} from '../../../src/k8s/index.ts';

const BASE: FunctionDeployment = {
  tenant: 'public',
  namespace: 'default',
  name: 'reverse',
  image: 'pf-bash/reverse:1',
  parallelism: 3,
  env: { PF_OUTPUT: 'out', PF_INPUTS: 'in' },
  authTokenSecret: { name: 'pulsar-token', key: 'token' },
};

function build(overrides: Partial<FunctionDeployment> = {}) {
  const manifests = functionManifests({ ...BASE, ...overrides });
  const pod = manifests.statefulSet.spec!.template;
  const container = pod.spec!.containers[0]!;
  const env = new Map((container.env ?? []).map((e) => [e.name, e]));
  return { ...manifests, pod, podSpec: pod.spec!, container, env };
}

function problemsOf(deployment: FunctionDeployment): readonly string[] {
  try {
    functionManifests(deployment);
  } catch (error) {
    assert.ok(error instanceof FunctionDeploymentError);
    return error.problems;
  }
  assert.fail('expected a FunctionDeploymentError');
}

describe('functionManifests: objects and names', () => {
  it('names the Service, StatefulSet and PDB after the FQFN, and ties the StatefulSet to its Service', () => {
    const { service, statefulSet, podDisruptionBudget } = build();
    for (const object of [service, statefulSet, podDisruptionBudget]) {
      assert.equal(object.metadata?.name, 'pf-public-default-reverse');
      assert.equal(object.metadata?.namespace, undefined);
    }
    assert.equal(statefulSet.spec?.serviceName, 'pf-public-default-reverse');
  });

  it('writes the Kubernetes namespace into every object when given', () => {
    const { service, statefulSet, podDisruptionBudget } = build({ kubernetesNamespace: 'functions' });
    for (const object of [service, statefulSet, podDisruptionBudget])
      assert.equal(object.metadata?.namespace, 'functions');
  });

  it('makes the Service headless, with the HTTP port, reaching pods that are not ready', () => {
    const { service } = build({ httpPort: 8080 });
    assert.equal(service.spec?.clusterIP, 'None');
    assert.equal(service.spec?.publishNotReadyAddresses, true);
    assert.deepEqual(service.spec?.ports, [
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('runs one pod per instance, started and stopped in parallel, updated one by one', () => {
    const { statefulSet } = build({ parallelism: 5 });
    assert.equal(statefulSet.spec?.replicas, 5);
    assert.equal(statefulSet.spec?.podManagementPolicy, 'Parallel');
    assert.deepEqual(statefulSet.spec?.updateStrategy, { type: 'RollingUpdate' });
    assert.equal(build({ parallelism: undefined }).statefulSet.spec?.replicas, 1);
  });

  it('has a PodDisruptionBudget of one unavailable pod, whatever the parallelism', () => {
    for (const parallelism of [1, 4]) {
      const { podDisruptionBudget } = build({ parallelism });
      assert.equal(podDisruptionBudget.spec?.maxUnavailable, 1);
      assert.equal(podDisruptionBudget.spec?.minAvailable, undefined);
      assert.equal(podDisruptionBudget.spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow');
    }
  });

  it('gives every object its own copies: changing one changes no other', () => {
    const { service, statefulSet, podDisruptionBudget, pod } = build();
    service.metadata!.labels!.extra = 'x';
    service.spec!.selector!.extra = 'x';
    assert.equal(statefulSet.metadata?.labels?.extra, undefined);
    assert.equal(pod.metadata?.labels?.extra, undefined);
    assert.equal(podDisruptionBudget.metadata?.labels?.extra, undefined);
    assert.equal(statefulSet.spec?.selector.matchLabels?.extra, undefined);
  });
});

describe('functionManifests: labels, selector and annotations', () => {
  it("carries Pulsar's labels and the app.kubernetes.io ones on every object and pod", () => {
    const { service, statefulSet, podDisruptionBudget, pod } = build({ tenant: 'Acme', name: 'My_Fn' });
    const expected = {
      'app.kubernetes.io/name': 'pf-bash',
      'app.kubernetes.io/instance': 'pf-acme-default-my-fn-ce5c6155',
      'app.kubernetes.io/component': 'function',
      'app.kubernetes.io/managed-by': 'pf-bash',
      component: 'function',
      tenant: 'acme',
      namespace: 'default',
      name: 'my_fn',
    };
    for (const object of [service, statefulSet, podDisruptionBudget, pod])
      assert.deepEqual(object.metadata?.labels, expected);
  });

  it('selects pods by the two labels that never change, in the Service, StatefulSet and PDB alike', () => {
    const { service, statefulSet, podDisruptionBudget, pod } = build();
    const selector = {
      'app.kubernetes.io/name': 'pf-bash',
      'app.kubernetes.io/instance': 'pf-public-default-reverse',
    };
    assert.deepEqual(service.spec?.selector, selector);
    assert.deepEqual(statefulSet.spec?.selector.matchLabels, selector);
    assert.deepEqual(podDisruptionBudget.spec?.selector?.matchLabels, selector);
    for (const [key, value] of Object.entries(selector)) assert.equal(pod.metadata?.labels?.[key], value);
  });

  it('adds extra labels everywhere but in the selector', () => {
    const { service, pod, statefulSet } = build({ labels: { team: 'payments' } });
    assert.equal(service.metadata?.labels?.team, 'payments');
    assert.equal(pod.metadata?.labels?.team, 'payments');
    assert.equal(statefulSet.spec?.selector.matchLabels?.team, undefined);
  });

  it('annotates pods for Prometheus scraping on the HTTP port', () => {
    const { pod } = build({ httpPort: 9100 });
    assert.equal(pod.metadata?.annotations?.['prometheus.io/scrape'], 'true');
    assert.equal(pod.metadata?.annotations?.['prometheus.io/port'], '9100');
    assert.equal(pod.metadata?.annotations?.['prometheus.io/path'], '/metrics');
  });
});

describe('functionManifests: the container', () => {
  it('passes identity, instance count, port and drain as environment, and the instance id via POD_NAME', () => {
    const { env } = build({ httpPort: 9200, drainTimeoutMs: 12_000, killGraceMs: 2_000 });
    assert.deepEqual(env.get('POD_NAME')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
    const values = Object.fromEntries(
      [...env].filter(([, e]) => e.value !== undefined).map(([n, e]) => [n, e.value]),
    );
    assert.deepEqual(values, {
      PF_TENANT: 'public',
      PF_NAMESPACE: 'default',
      PF_NAME: 'reverse',
      PF_NUM_INSTANCES: '3',
      PF_HTTP_PORT: '9200',
      PF_DRAIN_TIMEOUT_MS: '12000',
      PF_KILL_GRACE_MS: '2000',
      PF_AUTH_TOKEN_FILE: '/var/run/secrets/pulsar/token',
      PF_INPUTS: 'in',
      PF_OUTPUT: 'out',
    });
    // A fixed PF_INSTANCE_ID would give every pod the same id.
    assert.equal(env.has('PF_INSTANCE_ID'), false);
  });

  it('lists the settings given in name order, after the ones it sets', () => {
    const names = (build().container.env ?? []).map((e) => e.name);
    assert.deepEqual(names.slice(-2), ['PF_INPUTS', 'PF_OUTPUT']);
  });

  it('mounts the token Secret as a file by default, readable by the function group only', () => {
    const { podSpec, container, env } = build();
    assert.deepEqual(
      podSpec.volumes?.find((v) => v.name === 'pulsar-token'),
      {
        name: 'pulsar-token',
        secret: { secretName: 'pulsar-token', items: [{ key: 'token', path: 'token' }], defaultMode: 0o440 },
      },
    );
    assert.deepEqual(
      container.volumeMounts?.find((m) => m.name === 'pulsar-token'),
      { name: 'pulsar-token', mountPath: '/var/run/secrets/pulsar', readOnly: true },
    );
    assert.equal(env.has('PF_AUTH_TOKEN'), false);
  });

  it('takes the token from secretKeyRef when asked for an environment variable', () => {
    const { podSpec, env } = build({ authTokenSecret: { name: 's', key: 'k', delivery: 'env' } });
    assert.deepEqual(env.get('PF_AUTH_TOKEN'), {
      name: 'PF_AUTH_TOKEN',
      valueFrom: { secretKeyRef: { name: 's', key: 'k' } },
    });
    assert.equal(env.has('PF_AUTH_TOKEN_FILE'), false);
    assert.equal(
      podSpec.volumes?.some((v) => v.secret !== undefined),
      false,
    );
  });

  it('has no token setting without a Secret', () => {
    const { env, podSpec } = build({ authTokenSecret: undefined });
    assert.equal(env.has('PF_AUTH_TOKEN'), false);
    assert.equal(env.has('PF_AUTH_TOKEN_FILE'), false);
    assert.deepEqual(
      podSpec.volumes?.map((v) => v.name),
      ['tmp'],
    );
  });

  it('never writes a token inline, whatever the settings', () => {
    for (const delivery of ['file', 'env'] as const) {
      const { container } = build({ authTokenSecret: { name: 's', key: 'k', delivery } });
      const token = container.env?.find((e) => e.name === 'PF_AUTH_TOKEN');
      assert.equal(token?.value, undefined);
    }
  });

  it('probes liveness on /healthz and readiness on /readyz, by the named HTTP port', () => {
    const { container } = build({ httpPort: 9300 });
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 9300, protocol: 'TCP' }]);
    assert.deepEqual(container.livenessProbe?.httpGet, { path: '/healthz', port: 'http' });
    assert.deepEqual(container.readinessProbe?.httpGet, { path: '/readyz', port: 'http' });
    assert.deepEqual(container.startupProbe?.httpGet, { path: '/healthz', port: 'http' });
    // A startup probe's failure budget covers a minute before liveness takes over.
    const startup = container.startupProbe!;
    assert.ok(startup.periodSeconds! * startup.failureThreshold! >= 60);
  });

  it('keeps the grace period longer than the drain plus the kill grace', () => {
    for (const [drainTimeoutMs, killGraceMs] of [
      [30_000, 5_000],
      [0, 0],
      [1, 1],
      [120_500, 10_000],
    ] as const) {
      const { podSpec } = build({ drainTimeoutMs, killGraceMs });
      const grace = podSpec.terminationGracePeriodSeconds!;
      assert.equal(grace, terminationGracePeriodSeconds(drainTimeoutMs, killGraceMs));
      assert.ok(
        grace * 1000 > drainTimeoutMs + killGraceMs,
        `${grace}s for ${drainTimeoutMs}+${killGraceMs} ms`,
      );
    }
    assert.equal(build().podSpec.terminationGracePeriodSeconds, 45);
  });

  it("defaults resources to Pulsar's 1 CPU / 1 GiB, requests equal to limits", () => {
    const expected = { cpu: '1', memory: '1Gi' };
    assert.deepEqual(build().container.resources, { requests: expected, limits: expected });
    const custom = build({ resources: { limits: { cpu: '2', memory: '256Mi' }, requests: { cpu: '100m' } } });
    assert.deepEqual(custom.container.resources, {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '2', memory: '256Mi' },
    });
  });

  it('locks the pod down: non-root 10001, read-only root, no capabilities, no escalation, RuntimeDefault seccomp', () => {
    const { podSpec, container } = build();
    assert.deepEqual(podSpec.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    assert.equal(podSpec.automountServiceAccountToken, false);
    // Service links would add PF_…_PORT variables named after this function's own Service.
    assert.equal(podSpec.enableServiceLinks, false);
  });

  it('gives the script a writable /tmp, sized', () => {
    const { podSpec, container } = build({ tmpSizeLimit: '64Mi' });
    assert.deepEqual(podSpec.volumes?.[0], { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    assert.deepEqual(container.volumeMounts?.[0], { name: 'tmp', mountPath: '/tmp' });
  });

  it('shares the process namespace unless told not to, so that orphans are reaped', () => {
    assert.equal(build().podSpec.shareProcessNamespace, true);
    assert.equal(build({ shareProcessNamespace: false }).podSpec.shareProcessNamespace, false);
  });

  it('uses the image as given, pulled if not present, with its own entrypoint', () => {
    const { container } = build({ image: 'registry:5000/fn/reverse@sha256:abc' });
    assert.equal(container.image, 'registry:5000/fn/reverse@sha256:abc');
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
    assert.equal(container.command, undefined);
    assert.equal(container.args, undefined);
  });
});

describe('functionManifests: bad deployments', () => {
  it('lists every problem at once', () => {
    const problems = problemsOf({
      ...BASE,
      tenant: 'a/b',
      image: 'has space',
      parallelism: 0,
      httpPort: 0,
      drainTimeoutMs: -1,
      kubernetesNamespace: 'Not_A_Label',
      authTokenSecret: { name: 'Bad_Name', key: 'k/ey' },
      resources: { limits: { memory: 'lots' } },
      labels: { 'app.kubernetes.io/name': 'x', ok: '-bad-' },
    });
    assert.deepEqual(problems, [
      'tenant="a/b": expected letters, digits and -_=:.',
      'image="has space": expected an image reference',
      'kubernetesNamespace="Not_A_Label": expected a DNS label',
      'parallelism=0: expected a positive integer',
      'httpPort=0: expected a port number 1-65535 (probes need a fixed port)',
      'drainTimeoutMs=-1: expected a non-negative integer',
      'authTokenSecret.name="Bad_Name": expected a Secret name (DNS subdomain)',
      'authTokenSecret.key="k/ey": expected a Secret key (alphanumerics and -._)',
      'resources.limits.memory="lots": expected a Kubernetes quantity',
      'resources.requests.memory="lots": expected a Kubernetes quantity',
      'labels app.kubernetes.io/name: set by pf-bash itself',
      'labels ok="-bad-": expected a label value (≤63, alphanumerics at both ends)',
    ]);
  });

  it('refuses every variable the manifest sets itself, the token above all', () => {
    for (const name of MANAGED_ENV) {
      assert.deepEqual(problemsOf({ ...BASE, env: { [name]: 'x' } }), [
        `env ${name}: set by the manifest itself; use the deployment's own field instead`,
      ]);
    }
  });

  it('refuses an HTTP host the kubelet cannot reach', () => {
    assert.deepEqual(problemsOf({ ...BASE, env: { PF_HTTP_HOST: '127.0.0.1' } }), [
      "env PF_HTTP_HOST=127.0.0.1: the kubelet probes the pod's address; listen on 0.0.0.0 or ::",
    ]);
    assert.equal(functionManifests({ ...BASE, env: { PF_HTTP_HOST: '::' } }).statefulSet.kind, 'StatefulSet');
  });

  it('refuses a variable name Kubernetes would not pass on', () => {
    assert.deepEqual(problemsOf({ ...BASE, env: { 'PF-X': '1' } }), [
      'env "PF-X": expected a variable name ([A-Za-z_][A-Za-z0-9_]*)',
    ]);
  });
});
