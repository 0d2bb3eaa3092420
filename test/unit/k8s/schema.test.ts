// Every generated object validates against the official Kubernetes schema, strictly; and the validator does fail
// on wrong types, bad enum values, bad quantities, missing required fields and unknown fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXAMPLE_DEPLOYMENTS,
  type FunctionDeployment,
  functionManifests,
  manifestList,
} from '../../../src/k8s/index.ts';
import { schemaProblems } from './schema.ts';

/** Every option set, so every branch of the manifests is validated. */
const FULL: FunctionDeployment = {
  tenant: 'Acme_Corp',
  namespace: 'billing.prod',
  name: 'Reverse:v2',
  image:
    'registry.example.com/fn/reverse@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  imagePullPolicy: 'Always',
  parallelism: 7,
  kubernetesNamespace: 'functions',
  env: { PF_INPUTS: 'in-a,in-b', PF_OUTPUT: 'out', PF_CONCURRENCY: '4', PF_USER_CONFIG: '{"a": 1}' },
  authTokenSecret: { name: 'pulsar.token', key: 'jwt.txt', delivery: 'env' },
  resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '2', memory: '512Mi' } },
  httpPort: 8080,
  drainTimeoutMs: 120_000,
  killGraceMs: 1_000,
  tmpSizeLimit: '1Gi',
  shareProcessNamespace: false,
  labels: { team: 'payments', 'example.com/cost-center': 'x-1' },
};

function objectsOf(deployment: FunctionDeployment): object[] {
  return [...manifestList(functionManifests(deployment))];
}

/** A deep copy of the example StatefulSet, to break. */
// biome-ignore lint/suspicious/noExplicitAny: the tests break fields at any depth, on purpose
type Breakable = Record<string, any>;

function statefulSet(): Breakable {
  return structuredClone(functionManifests(EXAMPLE_DEPLOYMENTS[0]!).statefulSet) as Breakable;
}

describe('manifests against the Kubernetes schema', () => {
  for (const deployment of EXAMPLE_DEPLOYMENTS) {
    it(`validates every object of the example ${deployment.name}`, () => {
      for (const object of objectsOf(deployment)) assert.deepEqual(schemaProblems(object), []);
    });
  }

  it('validates every object when every option is set', () => {
    for (const object of objectsOf(FULL)) assert.deepEqual(schemaProblems(object), []);
  });

  it('validates the token Secret that docs/operations.md creates', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pulsar-token' },
      stringData: { token: 'x' },
    };
    assert.deepEqual(schemaProblems(secret), []);
  });
});

describe('the validator itself', () => {
  it('fails a wrong type', () => {
    const object = statefulSet();
    object.spec.replicas = '3';
    assert.deepEqual(schemaProblems(object), [{ path: '/spec/replicas', problem: 'expected type integer' }]);
  });

  it('fails an unknown field, at any depth, naming only the field', () => {
    const object = statefulSet();
    object.spec.replica = 3;
    object.spec.template.spec.containers[0].livenessProbe.httpGet.paths = { a: '/healthz' };
    const problems = schemaProblems(object).sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(problems, [
      { path: '/spec/replica', problem: 'unknown field' },
      { path: '/spec/template/spec/containers/0/livenessProbe/httpGet/paths', problem: 'unknown field' },
    ]);
  });

  it('fails a value outside an enum', () => {
    const object = statefulSet();
    object.spec.podManagementPolicy = 'AllAtOnce';
    const problems = schemaProblems(object);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, '/spec/podManagementPolicy');
    assert.match(problems[0]?.problem ?? '', /expected one of .*Parallel/);
  });

  it('fails a malformed quantity', () => {
    const object = statefulSet();
    object.spec.template.spec.containers[0].resources.limits.memory = 'one gig';
    const paths = schemaProblems(object).map((p) => p.path);
    assert.ok(paths.includes('/spec/template/spec/containers/0/resources/limits/memory'), String(paths));
  });

  it('fails a missing required field', () => {
    const object = statefulSet();
    delete object.spec.selector;
    assert.deepEqual(schemaProblems(object), [{ path: '/spec', problem: 'missing required field selector' }]);
  });

  it('fails a kind it has no schema for', () => {
    assert.deepEqual(schemaProblems({ apiVersion: 'apps/v1', kind: 'StatefulSets' }), [
      { path: '', problem: 'no schema for apps/v1 StatefulSets' },
    ]);
  });
});
