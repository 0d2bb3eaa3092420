// The committed k8s/*.yaml are exactly what scripts/gen-manifests.sh produces from src/k8s/examples.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exampleManifestFiles } from '../../../src/k8s/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REGENERATE = 'run scripts/gen-manifests.sh and commit the result';

describe('k8s/ example manifests', () => {
  const files = exampleManifestFiles();

  it('are the reverse, sanitize and router functions', () => {
    assert.deepEqual(
      files.map((f) => f.path),
      ['k8s/reverse.yaml', 'k8s/sanitize.yaml', 'k8s/router.yaml'],
    );
  });

  for (const { path, text } of files) {
    it(`${path} matches the generator`, () => {
      const committed = readFileSync(`${ROOT}${path}`, 'utf8');
      assert.ok(committed === text, `${path} differs from what the generator produces: ${REGENERATE}`);
    });
  }

  it('k8s/ holds no file the generator does not write', () => {
    const generated = new Set(files.map((f) => f.path));
    const stray = readdirSync(`${ROOT}k8s`)
      .map((name) => `k8s/${name}`)
      .filter((path) => !generated.has(path));
    assert.deepEqual(stray, [], `stray files in k8s/: ${REGENERATE}, or remove them`);
  });
});
