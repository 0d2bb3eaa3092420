// Smoke test of the base image that function images build on: bash, Node 24, a non-root uid and a read-only
// root filesystem. Needs a Docker engine and PF_BASE_IMAGE (scripts/docker-engine.sh ensure, scripts/base-image.sh).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

// Generous: the first run of an image on a cold engine unpacks its layer.
const RUN_TIMEOUT_MS = 120_000;

function baseImage(): string {
  const image = process.env.PF_BASE_IMAGE;
  if (image === undefined || image.trim() === '') {
    throw new Error(
      'PF_BASE_IMAGE is not set: run scripts/docker-engine.sh ensure and scripts/base-image.sh, then ' +
        'export PF_BASE_IMAGE=pf-bash/base:bookworm-node24 (or the image to test)',
    );
  }
  return image;
}

// Loopback only: the engine has no bridge, so every container shares the host's network.
async function run(options: string[], command: string[]): Promise<string> {
  const args = ['run', '--rm', '--network', 'host', ...options, baseImage(), ...command];
  const { stdout } = await execFileAsync('docker', args, { timeout: RUN_TIMEOUT_MS });
  return stdout;
}

test('PF_BASE_IMAGE names an image the engine has', async () => {
  const { stdout } = await execFileAsync('docker', ['image', 'inspect', '--format', '{{.Os}}', baseImage()]);
  assert.equal(stdout, 'linux\n');
});

test('bash runs a command', async () => {
  assert.equal(await run([], ['bash', '-c', 'echo ok']), 'ok\n');
});

test('node on PATH is Node 24', async () => {
  assert.match(await run([], ['node', '--version']), /^v24\.\d+\.\d+\n$/);
});

test('runs as uid/gid 10001 with a read-only root filesystem', async () => {
  const script =
    'id -u; id -g; node -e "console.log(1 + 1)"; if : 2>/dev/null >/probe; then echo writable; else echo read-only; fi';
  const stdout = await run(['--user', '10001:10001', '--read-only'], ['bash', '-c', script]);
  assert.equal(stdout, '10001\n10001\n2\nread-only\n');
});
