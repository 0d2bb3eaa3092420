// Multi-document YAML that reads back as the objects it was made from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  EXAMPLE_DEPLOYMENTS,
  functionManifests,
  manifestList,
  renderManifests,
} from '../../../src/k8s/index.ts';

describe('renderManifests', () => {
  const objects = manifestList(functionManifests(EXAMPLE_DEPLOYMENTS[0]!));

  it('writes one document per object that parses back to the same object', () => {
    const documents = parseAllDocuments(renderManifests(objects));
    assert.ok(Array.isArray(documents));
    assert.deepEqual(
      documents.map((doc) => doc.toJS()),
      objects.map((object) => JSON.parse(JSON.stringify(object))),
    );
  });

  it('keeps strings that look like numbers or booleans strings', () => {
    const text = renderManifests(objects);
    assert.match(text, /prometheus\.io\/scrape: "true"/);
    assert.match(text, /value: "3"/);
  });

  it('writes no anchors or aliases for objects used twice', () => {
    assert.doesNotMatch(renderManifests(objects), /[&*]a\d/);
  });

  it('puts the header lines first, as comments', () => {
    const text = renderManifests(objects, { header: ['first line', '', 'third'] });
    assert.ok(text.startsWith('# first line\n#\n# third\n---\napiVersion: v1\n'), text.slice(0, 80));
  });
});
