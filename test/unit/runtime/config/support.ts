// Helpers for the configuration tests: an in-memory file system and shortcuts to the loaded config or problems.
import assert from 'node:assert/strict';
import {
  type FunctionRuntimeConfig,
  formatProblems,
  type LoadConfigOptions,
  type LoadConfigResult,
  loadConfig,
} from '../../../../src/runtime/config/index.ts';

export type Env = Record<string, string | undefined>;

/** Files every test can read. */
export const FILES: Readonly<Record<string, string>> = {
  '/fn/reverse.sh': '#!/usr/bin/env bash\nrev\n',
  '/fn/my script.sh': 'cat\n',
  '/certs/ca.pem': '-----BEGIN CERTIFICATE-----\n',
  '/secrets/token': 'eyJhbGciOiJIUzI1NiJ9.file-token.sig\n',
  '/secrets/empty': '\n',
};

/** The smallest valid environment. */
export const BASE: Env = { PF_SCRIPT: '/fn/reverse.sh', PF_INPUTS: 'in' };

export function load(
  env: Env,
  files: Record<string, string> = {},
  options?: LoadConfigOptions,
): LoadConfigResult {
  const all: Record<string, string> = { ...FILES, ...files };
  return loadConfig(env, (path) => all[path], options);
}

/** The config of a valid environment (fails the test, showing the problems, otherwise). */
export function configOf(
  env: Env,
  files: Record<string, string> = {},
  options?: LoadConfigOptions,
): FunctionRuntimeConfig {
  const result = load(env, files, options);
  assert.ok(result.ok, result.ok ? '' : formatProblems(result.problems));
  return result.config;
}

/** The problem lines of an invalid environment. */
export function problemsOf(env: Env, files: Record<string, string> = {}): string[] {
  const result = load(env, files);
  assert.equal(result.ok, false, 'expected problems, got a valid config');
  return result.ok ? [] : formatProblems(result.problems).split('\n');
}

/** The warning lines, whether or not the environment is valid. */
export function warningsOf(env: Env, files: Record<string, string> = {}): string[] {
  const { warnings } = load(env, files);
  return warnings.length === 0 ? [] : formatProblems(warnings).split('\n');
}
