// Secrets never appear in problems, warnings or the configuration shown at start; a token file's path may.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblems, redactedConfig } from '../../../../src/runtime/config/index.ts';
import { BASE, configOf, FILES, load } from './support.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.very-secret.sig';
const FILE_TOKEN = FILES['/secrets/token']?.trim() ?? '';

describe('secrets', () => {
  it('replaces the token in the configuration shown at start', () => {
    const config = configOf({ ...BASE, PF_AUTH_TOKEN: TOKEN });
    assert.deepEqual(config.broker.auth, { kind: 'token', token: TOKEN });
    const shown = redactedConfig(config);
    assert.deepEqual(shown.broker.auth, { kind: 'token', token: '<redacted>' });
    assert.ok(!JSON.stringify(shown).includes(TOKEN));
    // The rest is unchanged, and the config itself is left alone.
    assert.deepEqual({ ...shown, broker: { ...shown.broker, auth: config.broker.auth } }, config);
    assert.equal(config.broker.auth.kind === 'token' && config.broker.auth.token, TOKEN);
  });

  it('shows a token file by its path, never its content', () => {
    const config = configOf({ ...BASE, PF_AUTH_TOKEN_FILE: '/secrets/token' });
    const shown = JSON.stringify(redactedConfig(config));
    assert.ok(shown.includes('/secrets/token'));
    assert.ok(!shown.includes(FILE_TOKEN));
  });

  it('keeps a config without a token as it is', () => {
    const config = configOf(BASE);
    assert.deepEqual(redactedConfig(config), config);
  });

  it('never shows the token in a problem or a warning', () => {
    const result = load({
      ...BASE,
      PF_AUTH_TOKEN: TOKEN,
      PF_AUTH_TOKEN_FILE: '/secrets/token',
      PF_AUTH_TOKN: TOKEN,
      PF_LOG_LEVEL: TOKEN,
    });
    assert.equal(result.ok, false);
    const text = result.ok ? '' : formatProblems(result.problems);
    assert.ok(text.includes('PF_AUTH_TOKEN=<redacted>: conflicts with PF_AUTH_TOKEN_FILE=/secrets/token'));
    assert.ok(!text.includes(FILE_TOKEN));
    // A token pasted into another variable is that variable's value, shown as given: only PF_AUTH_TOKEN is secret.
    assert.ok(text.includes(`PF_LOG_LEVEL=${TOKEN}`));
    const warnings = formatProblems(result.warnings);
    assert.equal(warnings, 'PF_AUTH_TOKN: unknown variable, ignored; did you mean PF_AUTH_TOKEN?');
  });
});
