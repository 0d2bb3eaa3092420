// Object names and label values derived from the FQFN, as Pulsar's Kubernetes runtime derives them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DNS_1035_LABEL,
  functionObjectName,
  LABEL_VALUE,
  labelValue,
  MAX_OBJECT_NAME_LENGTH,
} from '../../../src/k8s/index.ts';

describe('functionObjectName', () => {
  const table: ReadonlyArray<readonly [tenant: string, namespace: string, name: string, expected: string]> = [
    // Valid as it stands: Pulsar's `pf-<tenant>-<namespace>-<name>`, unchanged.
    ['public', 'default', 'reverse', 'pf-public-default-reverse'],
    ['t1', 'ns-2', 'fn-3', 'pf-t1-ns-2-fn-3'],
    // Pulsar's own test (KubernetesRuntimeTest.verifyCreateJobNameWithUpperCaseFunctionName): lower-cased, and the
    // short hash of `tenant-namespace-UpperCaseFunction` appended.
    ['tenant', 'namespace', 'UpperCaseFunction', 'pf-tenant-namespace-uppercasefunction-f0c5ca9a'],
    // Characters a DNS label cannot hold become `-`, with the hash; `.` too, unlike Pulsar.
    ['public', 'default', 'my_fn', 'pf-public-default-my-fn-8a69114d'],
    ['public', 'default', 'my.fn', 'pf-public-default-my-fn-248eea54'],
    ['a:b', 'c=d', 'e', 'pf-a-b-c-d-e-e8c222be'],
    // A trailing `-` would end the name on a non-alphanumeric: the hash closes it.
    ['public', 'default', 'fn-', 'pf-public-default-fn--62d8ff84'],
    // Too long: cut to 43 characters, leaving room for the hash (checked with `printf %s … | sha1sum`).
    [
      'public',
      'default',
      'a-very-long-function-name-that-goes-on-and-on',
      'pf-public-default-a-very-long-function-name-98c969fd',
    ],
  ];
  for (const [tenant, namespace, name, expected] of table) {
    it(`${tenant}/${namespace}/${name} → ${expected}`, () => {
      const got = functionObjectName(tenant, namespace, name);
      assert.equal(got, expected);
      assert.match(got, DNS_1035_LABEL);
      assert.ok(got.length <= MAX_OBJECT_NAME_LENGTH);
    });
  }

  it('keeps names that convert alike apart', () => {
    assert.notEqual(
      functionObjectName('public', 'default', 'my_fn'),
      functionObjectName('public', 'default', 'my.fn'),
    );
    assert.notEqual(
      functionObjectName('public', 'default', 'MyFn'),
      functionObjectName('public', 'default', 'myfN'),
    );
  });

  it('stays a valid name of at most 52 characters for any allowed input', () => {
    const alphabet = 'aZ09-_=:.';
    for (let i = 0; i < 500; i++) {
      const pick = (n: number) =>
        Array.from({ length: n }, (_, j) => alphabet[(i * 7 + j * 13) % alphabet.length]).join('');
      const got = functionObjectName(pick(1 + (i % 40)), pick(1 + (i % 23)), pick(1 + (i % 61)));
      assert.match(got, DNS_1035_LABEL);
      assert.ok(got.length <= MAX_OBJECT_NAME_LENGTH, got);
    }
  });
});

describe('labelValue', () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ['reverse', 'reverse'],
    ['Reverse', 'reverse'],
    ['my_fn.v2', 'my_fn.v2'],
    ['a:b=c', 'a-b-c'],
    ['_x_', '0x0'],
    ['x'.repeat(70), 'x'.repeat(63)],
    [`${'x'.repeat(62)}__`, `${'x'.repeat(62)}0`],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input.length > 20 ? `${input.slice(0, 8)}…` : input)} → a valid label value`, () => {
      const got = labelValue(input);
      assert.equal(got, expected);
      assert.match(got, LABEL_VALUE);
    });
  }
});
