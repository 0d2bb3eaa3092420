// The image builder against the real Docker Engine: a tiny script built on the local base image (PF_BASE_IMAGE),
// then run read-only with an overridden entrypoint to check its user, files, environment and labels; a cached
// rebuild; and a failing step reported with its output. Running the function end to end is the runtime's test.
// Needs scripts/docker-engine.sh ensure and scripts/base-image.sh; it compiles its own dist/ (scripts/build.sh).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type BuiltImage,
  buildFunctionImage,
  ImageBuildError,
  productionPackages,
} from '../../../src/image/index.ts';
import { DOCKER_TIMEOUT_MS, docker, freshRuntimeRoot } from '../../support/docker.ts';
import { testEnv } from '../../support/env.ts';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = '#!/usr/bin/env bash\n# reverses stdin\nrev\n';
const RUN_ID = randomBytes(4).toString('hex');

/** Runs `bash -c script` in the image the way production runs it: read-only root, tmpfs /tmp, host network. */
async function runInImage(image: string, script: string, options: string[] = []): Promise<string> {
  return docker(
    'run',
    '--rm',
    '--network',
    'host',
    '--read-only',
    '--tmpfs',
    '/tmp',
    ...options,
    '--entrypoint',
    'bash',
    image,
    '-c',
    script,
  );
}

class Collect {
  text = '';
  write(chunk: string): void {
    this.text += chunk;
  }
}

describe('buildFunctionImage with the Docker Engine', () => {
  let dir: string;
  let root: string;
  const tag = `pf-bash-test/reverse:${RUN_ID}`;
  const brokenBase = `pf-bash-test/broken-base:${RUN_ID}`;
  const output = new Collect();
  let built: BuiltImage;
  let image: string;

  before(async () => {
    root = await freshRuntimeRoot();
    dir = await mkdtemp(join(tmpdir(), 'pf-image-'));
    await writeFile(join(dir, 'reverse.sh'), SCRIPT);
    await writeFile(join(dir, 'words.txt'), 'apple\n');
    built = await buildFunctionImage(
      {
        script: join(dir, 'reverse.sh'),
        files: ['words.txt'],
        tenant: 'acme',
        baseImage: testEnv.baseImage,
        tag,
        source: 'https://example.com/functions',
      },
      { output, root },
    );
    image = built.id;
  });

  after(async () => {
    await docker('image', 'rm', '--force', tag, brokenBase).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it('streams the build and reports the image, its size and its size over the base', async () => {
    assert.match(
      output.text,
      /^building pf-bash-test\/reverse:\w+ from .*: \d+ files, [\d.]+ MB of context\n/,
    );
    assert.match(output.text, /Step 1\/\d+ : ARG BASE_IMAGE=node:24-bookworm-slim/);
    assert.match(
      output.text,
      /\nbuilt pf-bash-test\/reverse:\w+ \(\w{12}\) in [\d.]+ s: [\d.]+ MB, [\d.]+ MB over /,
    );
    assert.match(built.id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(built.tag, tag);
    assert.ok(built.overBaseBytes > 0 && built.sizeBytes === built.baseSizeBytes + built.overBaseBytes);
    const inspected = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Size}}', tag));
    assert.equal(inspected, built.sizeBytes);
    console.log(
      `# image ${(built.sizeBytes / 1e6).toFixed(1)} MB, ${(built.overBaseBytes / 1e6).toFixed(1)} MB over the base; ` +
        `built in ${(built.durationMs / 1000).toFixed(1)} s`,
    );
  });

  it('configures user, environment, health check, stop signal and entrypoint', async () => {
    const config = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', tag));
    assert.equal(config.User, '10001:10001');
    assert.equal(config.WorkingDir, '/fn');
    for (const env of [
      'PF_SCRIPT=/fn/reverse.sh',
      'PF_NAME=reverse',
      'PF_TENANT=acme',
      'PF_NAMESPACE=',
      'NODE_ENV=production',
    ]) {
      assert.ok(config.Env.includes(env), `${env} in ${config.Env}`);
    }
    assert.equal(config.StopSignal, 'SIGTERM');
    assert.deepEqual(config.Entrypoint, ['/opt/pf-bash/bin/entrypoint.sh']);
    assert.deepEqual(config.Cmd, ['run']);
    assert.equal(config.Healthcheck.Test[0], 'CMD');
    assert.match(config.Healthcheck.Test.join(' '), /\/healthz/);
  });

  it('labels the image, with the script checksum matching the script', async () => {
    const labels = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', tag));
    assert.equal(labels['org.pf-bash.script.sha256'], createHash('sha256').update(SCRIPT).digest('hex'));
    assert.equal(labels['org.pf-bash.script'], '/fn/reverse.sh');
    assert.equal(labels['org.opencontainers.image.title'], 'reverse');
    assert.equal(labels['org.opencontainers.image.version'], '0.1.0');
    assert.equal(labels['org.opencontainers.image.base.name'], testEnv.baseImage);
    assert.equal(labels['org.opencontainers.image.source'], 'https://example.com/functions');
    assert.equal(labels['org.pf-bash.runtime.version'], '0.1.0');
    assert.equal(labels['org.opencontainers.image.created'], undefined);
  });

  it('runs as pfbash (10001:10001) with a home, the script readable and /tmp the only writable place', async () => {
    const script = [
      'id -u; id -g; id -un; echo "$HOME"; pwd',
      'test -r "$PF_SCRIPT" && echo script-readable',
      'cat words.txt',
      'if : 2>/dev/null >"$PF_SCRIPT"; then echo script-writable; else echo script-read-only; fi',
      'if : 2>/dev/null >/opt/pf-bash/probe; then echo root-writable; else echo root-read-only; fi',
      'echo ok >/tmp/probe && cat /tmp/probe',
    ].join('\n');
    assert.equal(
      await runInImage(image, script),
      '10001\n10001\npfbash\n/home/pfbash\n/fn\nscript-readable\napple\nscript-read-only\nroot-read-only\nok\n',
    );
  });

  it('holds Node 24, the built runtime, the helper libraries and only production dependencies', async () => {
    const script = [
      'node --version',
      'test -f /opt/pf-bash/dist/cli/main.js && echo dist',
      'test -r /opt/pf-bash/scripts/lib/pf-function.sh && test -r /opt/pf-bash/scripts/lib/pf-stream.sh && echo helpers',
      'test -x /opt/pf-bash/bin/entrypoint.sh && echo entrypoint',
      // Resolved from the runtime's package as dist/ resolves them.
      "cd /opt/pf-bash && node --input-type=module -e \"await import('yaml'); await import('pino'); console.log('deps')\"",
      'test ! -e /opt/pf-bash/node_modules/typescript && test ! -e /opt/pf-bash/node_modules/kubernetes-models && echo no-dev',
    ].join('\n');
    const out = await runInImage(image, script);
    assert.match(out, /^v24\.\d+\.\d+\ndist\nhelpers\nentrypoint\ndeps\nno-dev\n$/);
  });

  it('starts the runtime CLI through its entrypoint, under tini or docker --init', async () => {
    const base = ['run', '--rm', '--network', 'host', '--read-only', '--tmpfs', '/tmp'];
    assert.equal(await docker(...base, image, '--version'), 'pf-bash 0.1.0\n');
    assert.equal(await docker(...base, '--init', image, '--version'), 'pf-bash 0.1.0\n');
  });

  it('puts an init that reaps orphans at PID 1: tini from the base, or docker --init', async () => {
    // Stands in for the runtime: says who PID 1 is and who its own parent is.
    const probe = join(dir, 'probe.js');
    await writeFile(
      probe,
      [
        "import { readFileSync } from 'node:fs';",
        "const comm = (pid) => readFileSync('/proc/' + pid + '/comm', 'utf8').trim();",
        "const parent = process.ppid === 0 ? 'none' : comm(process.ppid);",
        "const self = process.pid === 1 ? 'pid1' : 'child';",
        "console.log('pid1=' + comm(1) + ' parent=' + parent + ' self=' + self);",
        '',
      ].join('\n'),
    );
    const base = ['run', '--rm', '--network', 'host', '--read-only', '--tmpfs', '/tmp'];
    const mount = ['-v', `${probe}:/opt/pf-bash/dist/cli/main.js:ro`];
    assert.equal(await docker(...base, ...mount, image), 'pid1=tini parent=tini self=child\n');
    assert.equal(
      await docker(...base, ...mount, '--init', image),
      'pid1=docker-init parent=docker-init self=child\n',
    );
    // A base without tini (as the public node image): the runtime is PID 1, and the entrypoint says so.
    const noTini = ['-v', '/dev/null:/usr/bin/tini:ro'];
    const { stdout, stderr } = await execFileAsync('docker', [...base, ...mount, ...noTini, image], {
      timeout: DOCKER_TIMEOUT_MS,
    });
    // PID 1 is the runtime itself (its /proc comm is that of Node's main thread, MainThread).
    assert.match(stdout, /^pid1=\S+ parent=none self=pid1\n$/);
    assert.match(
      stderr,
      /running as PID 1 without an init: orphans of scripts will not be reaped \(docker run --init\)/,
    );
  });

  it('rebuilds from the cache to the same image', async () => {
    const again = await buildFunctionImage(
      {
        script: join(dir, 'reverse.sh'),
        files: ['words.txt'],
        tenant: 'acme',
        baseImage: testEnv.baseImage,
        tag,
        source: 'https://example.com/functions',
      },
      { output: new Collect(), root },
    );
    assert.equal(again.id, built.id);
    console.log(`# cached rebuild in ${(again.durationMs / 1000).toFixed(1)} s`);
  });

  it('fails a broken step with the step and its output', async () => {
    // A base where gid 10001 is taken: the image's groupadd step fails.
    const container = `pf-bash-test-broken-${RUN_ID}`;
    await docker(
      'run',
      '--name',
      container,
      '--network',
      'host',
      testEnv.baseImage,
      'groupadd',
      '--gid',
      '10001',
      'taken',
    );
    try {
      await docker('commit', container, brokenBase);
    } finally {
      await docker('rm', container);
    }
    const failed = new Collect();
    await assert.rejects(
      buildFunctionImage(
        { script: join(dir, 'reverse.sh'), baseImage: brokenBase, tag: `${tag}-broken` },
        { output: failed, root },
      ),
      (error: unknown) => {
        assert.ok(error instanceof ImageBuildError);
        assert.match(error.step ?? '', /^Step 3\/\d+ : RUN groupadd --gid 10001 pfbash/);
        assert.match(error.stepOutput, /GID '10001' already exists/);
        assert.match(error.message, /returned a non-zero code/);
        return true;
      },
    );
    assert.match(failed.text, /GID '10001' already exists/);
  });
});

describe('productionPackages', () => {
  it('lists exactly what `npm ls --omit=dev` says is installed for production', async () => {
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8'));
    const { stdout } = await execFileAsync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: ROOT,
    });
    const fromNpm = stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.slice(ROOT.length))
      .sort();
    assert.deepEqual(
      productionPackages(lock).map((p) => p.path),
      fromNpm,
    );
  });
});
