// The broker's jars are fetched from Maven Central once: a warm `pulsar-standalone.sh resolve` must touch no
// network and change nothing, and Maven's own step must work offline from the local repository.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (start the broker and export it; see scripts/test.sh)`);
  return value;
}

const root = env('PF_ROOT');
const cache = process.env.PF_CACHE || join(root, '.cache');
const script = join(root, 'scripts/pulsar-standalone.sh');

async function pulsarHome(cacheDir: string): Promise<string> {
  const pom = await readFile(join(root, 'scripts/pulsar/pom.xml'), 'utf8');
  const version = /<pulsar\.version>([^<]+)<\/pulsar\.version>/.exec(pom)?.[1];
  assert.ok(version, 'no <pulsar.version> in scripts/pulsar/pom.xml');
  return join(cacheDir, `pulsar-${version}`);
}

/** name -> "size mtime" of every file in a lib dir. */
async function listing(lib: string, withTimes = true): Promise<Map<string, string>> {
  const names = (await readdir(lib)).sort();
  const entries = await Promise.all(
    names.map(async (name) => {
      const s = await stat(join(lib, name));
      return [name, withTimes ? `${s.size} ${s.mtimeMs}` : `${s.size}`] as const;
    }),
  );
  return new Map(entries);
}

let stubs = '';
const calls = (): string => join(stubs, 'calls.log');
before(async () => {
  // Tools that could download something; each records that it was called and fails.
  stubs = await mkdtemp(join(tmpdir(), 'pf-broker-cache-'));
  for (const tool of ['mvn', 'curl', 'wget']) {
    const path = join(stubs, tool);
    await writeFile(path, `#!/bin/sh\necho "${tool} $*" >>'${calls()}'\nexit 97\n`);
    await chmod(path, 0o755);
  }
});
after(async () => {
  if (stubs) await rm(stubs, { recursive: true, force: true });
});

async function resolve(extraEnv: Record<string, string>, pathPrefix: string) {
  return run('bash', [script, 'resolve'], {
    env: { ...process.env, PATH: `${pathPrefix}:${process.env.PATH}`, PULSAR_MVN_OFFLINE: '1', ...extraEnv },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

test('a warm resolve runs neither Maven nor curl and leaves the lib dir untouched', async () => {
  const lib = join(await pulsarHome(cache), 'lib');
  const snapshot = await listing(lib).catch(() => {
    throw new Error(`no ${lib}: run scripts/pulsar-standalone.sh start (or resolve) once first`);
  });
  assert.ok(snapshot.size > 100, `only ${snapshot.size} files in ${lib}`);

  const { stdout } = await resolve({}, stubs);

  assert.match(stdout, /^cached: /);
  await assert.rejects(stat(calls()), { code: 'ENOENT' }, 'a download tool was called');
  assert.deepEqual(await listing(lib), snapshot);
});

test('Maven rebuilds the same lib dir offline (mvn -o) from the local repository alone', async () => {
  const lib = join(await pulsarHome(cache), 'lib');
  const scratch = await mkdtemp(join(tmpdir(), 'pf-broker-cache-cold-'));
  try {
    // A cold PF_CACHE that shares only the Maven repository: resolve has to run Maven, offline.
    const noNetwork = join(stubs, 'no-network');
    await run('mkdir', ['-p', noNetwork]);
    for (const tool of ['curl', 'wget']) await run('ln', ['-sf', join(stubs, tool), join(noNetwork, tool)]);
    const { stdout } = await resolve(
      { PF_CACHE: scratch, PULSAR_M2_REPO: process.env.PULSAR_M2_REPO || join(cache, 'm2') },
      noNetwork,
    );

    assert.match(stdout, /^resolved: /);
    await assert.rejects(stat(calls()), { code: 'ENOENT' }, 'a download tool was called');
    const rebuilt = join(await pulsarHome(scratch), 'lib');
    assert.deepEqual(await listing(rebuilt, false), await listing(lib, false));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
