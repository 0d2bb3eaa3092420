// The topic-name normaliser: Pulsar's short forms expanded, anything else rejected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normaliseTopicName,
  topicMatchesPattern,
  withoutPartitionSuffix,
} from '../../../../src/runtime/config/index.ts';

const full = (name: string): string | undefined => {
  const parsed = normaliseTopicName(name);
  return parsed.ok ? parsed.value : undefined;
};

describe('normaliseTopicName', () => {
  it('expands short names as the clients do', () => {
    assert.equal(full('in'), 'persistent://public/default/in');
    assert.equal(full('acme/text/in'), 'persistent://acme/text/in');
    assert.equal(full('persistent://acme/text/in'), 'persistent://acme/text/in');
    assert.equal(full('non-persistent://acme/text/in'), 'non-persistent://acme/text/in');
    assert.equal(full('in-partition-2'), 'persistent://public/default/in-partition-2');
    assert.equal(full('t=1/ns:2/x.y_z'), 'persistent://t=1/ns:2/x.y_z');
  });

  it('rejects other forms', () => {
    for (const name of [
      '',
      'a/b',
      'a//b',
      'a/b/c/d',
      'persistent://a/b',
      'persistent://t/cluster/ns/x',
      'kafka://a/b/c',
      'persistent://a b/c/d',
      'x y',
      '/a/b',
    ]) {
      assert.equal(full(name), undefined, name);
    }
  });
});

describe('topic patterns', () => {
  it('matches whole full names, partitions as their topic', () => {
    const pattern = 'persistent://public/default/in-.*';
    assert.ok(topicMatchesPattern('persistent://public/default/in-a', pattern));
    assert.ok(topicMatchesPattern('persistent://public/default/in-a-partition-0', pattern));
    assert.ok(!topicMatchesPattern('persistent://public/default/out-in-a', pattern));
    assert.ok(!topicMatchesPattern('persistent://acme/default/in-a', pattern));
  });

  it('drops the partition suffix', () => {
    assert.equal(withoutPartitionSuffix('persistent://a/b/c-partition-12'), 'persistent://a/b/c');
    assert.equal(withoutPartitionSuffix('persistent://a/b/c-partition-x'), 'persistent://a/b/c-partition-x');
  });
});
