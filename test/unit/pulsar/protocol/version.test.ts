import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLIENT_VERSION, PF_BASH_VERSION, PROTOCOL_VERSION } from '../../../../src/pulsar/protocol/index.ts';

test('CLIENT_VERSION carries package.json version; protocol v19 is advertised', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(PF_BASH_VERSION, pkg.version);
  assert.equal(CLIENT_VERSION, `pf-bash-${pkg.version}`);
  assert.equal(PROTOCOL_VERSION, 19);
});
