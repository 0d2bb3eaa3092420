// The Docker CLI for image tests, and a pf-bash package root with a freshly compiled dist/ (so that image tests
// neither need nor touch the checkout's dist/). Needs scripts/docker-engine.sh ensure.
import { execFile } from 'node:child_process';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Generous: a cold build copies the runtime's dependencies into a layer. */
export const DOCKER_TIMEOUT_MS = 300_000;

/** Runs `docker …`; resolves with its stdout, rejects (with stderr in the message) when it fails. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('docker', args, {
    timeout: DOCKER_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/**
 * A pf-bash package root whose dist/ is compiled afresh from src/, with the checkout's other parts linked in.
 * The caller removes it.
 */
export async function freshRuntimeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pf-root-'));
  for (const part of ['package.json', 'package-lock.json', 'node_modules', 'images', 'scripts']) {
    await symlink(join(ROOT, part), join(root, part));
  }
  await execFileAsync('bash', [join(ROOT, 'scripts/build.sh'), join(root, 'dist')], {
    timeout: DOCKER_TIMEOUT_MS,
  });
  return root;
}
