// The environment a manifest gives each pod is one the runtime accepts, and gives each pod its own instance id:
// the container's env (the downward API's POD_NAME filled in as the StatefulSet names pods) plus the image's
// defaults, loaded by the runtime's own loadConfig.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXAMPLE_DEPLOYMENTS,
  type FunctionDeployment,
  functionManifests,
  TOKEN_FILE,
} from '../../../src/k8s/index.ts';
import { formatProblems, type LoadConfigResult, loadConfig } from '../../../src/runtime/config/index.ts';

/** What the files the pod sees hold: the image's script and the mounted token. */
const FILES: Readonly<Record<string, string>> = {
  '/fn/script.sh': '#!/usr/bin/env bash\nrev\n',
  [TOKEN_FILE]: 'eyJhbGciOiJIUzI1NiJ9.token.sig\n',
};

/** What the kubelet would put in a variable from secretKeyRef. */
const SECRET_VALUE = 'eyJhbGciOiJIUzI1NiJ9.env-token.sig';

function loadPod(deployment: FunctionDeployment, ordinal: number): LoadConfigResult {
  const { statefulSet } = functionManifests(deployment);
  const container = statefulSet.spec!.template.spec!.containers[0]!;
  // The image's ENV (images/function/Dockerfile), which the container's env overrides.
  const env: Record<string, string> = { PF_SCRIPT: '/fn/script.sh', PF_NAME: deployment.name };
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {
      env[variable.name] = `${statefulSet.metadata!.name}-${ordinal}`;
    } else if (variable.valueFrom?.secretKeyRef !== undefined) {
      env[variable.name] = SECRET_VALUE;
    } else assert.fail(`no stand-in for ${variable.name}'s valueFrom`);
  }
  return loadConfig(env, (path) => FILES[path]);
}

describe('manifests and the runtime configuration', () => {
  for (const deployment of EXAMPLE_DEPLOYMENTS) {
    it(`every pod of the example ${deployment.name} loads, as instance <ordinal> of <parallelism>`, () => {
      const parallelism = deployment.parallelism ?? 1;
      for (let ordinal = 0; ordinal < parallelism; ordinal++) {
        const result = loadPod(deployment, ordinal);
        assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
        assert.deepEqual(result.warnings, []);
        const { config } = result;
        assert.equal(config.function.fqfn, `${deployment.tenant}/${deployment.namespace}/${deployment.name}`);
        assert.equal(config.function.instanceId, ordinal);
        assert.equal(config.function.numInstances, parallelism);
        assert.deepEqual(config.broker.auth, { kind: 'tokenFile', path: TOKEN_FILE });
        assert.equal(config.httpPort, 9094);
        assert.equal(config.httpHost, '0.0.0.0');
        assert.equal(config.drainTimeoutMs, 30_000);
        assert.equal(config.script.killGraceMs, 5_000);
      }
    });
  }

  it('a pod beyond the parallelism (after a bare `kubectl scale`) refuses to start', () => {
    const deployment = EXAMPLE_DEPLOYMENTS[0]!;
    const result = loadPod(deployment, deployment.parallelism ?? 1);
    assert.ok(!result.ok);
    assert.match(
      formatProblems(result.problems),
      /^POD_NAME=pf-public-default-reverse-3: its ordinal 3 is the default/,
    );
  });

  it('the token delivered as a variable loads too', () => {
    const result = loadPod(
      { ...EXAMPLE_DEPLOYMENTS[0]!, authTokenSecret: { name: 's', key: 'k', delivery: 'env' } },
      0,
    );
    assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
    assert.deepEqual(result.config.broker.auth, { kind: 'token', token: SECRET_VALUE });
  });
});
