// docs/configuration.md documents every variable the runtime reads, with its default.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES } from '../../../../src/runtime/config/index.ts';

const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('has a table row for every variable', () => {
    const rows = new Set([...docs.matchAll(/^\| `(PF_[A-Z_]+)` \|/gm)].map((match) => match[1]));
    assert.deepEqual([...rows].sort(), [...CONFIG_VARIABLES].sort());
  });
});
