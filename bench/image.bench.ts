// Function images: size over the base, build time (cold, cached, script changed) and a container's time from
// `docker run` to ready (/readyz 200), with the real Docker Engine and the local broker.
//   Each of [rounds] rounds, on a fresh base:
//   cold:    nothing of the function image is cached: the base is re-tagged under a fresh image id (a LABEL on
//            top), so every layer of the function image is built; the base itself is present, as after a pull.
//   cached:  the same build again: every layer from the cache, the same image id.
//   changed: the script edited: only the script's layer and those after it are built.
//   ready:   from spawning `docker run -d` (read-only, --network host, as docs/operations.md runs it) until
//            /readyz answers 200 (the instance is subscribed); the median of N containers, each on its own topic.
// The figures go to docs/benchmarks.md, "Images". Needs the Docker Engine (scripts/docker-engine.sh ensure), the
// base image (scripts/base-image.sh) and the broker (scripts/pulsar-standalone.sh start).
// Run: bash scripts/run-node24.sh node bench/image.bench.ts [rounds=3] [containers=5]
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import { type BuiltImage, buildFunctionImage } from '../src/image/index.ts';
import { docker, freshRuntimeRoot } from '../test/support/docker.ts';

const rounds = Number(process.argv[2] ?? 3);
const containersToStart = Number(process.argv[3] ?? 5);
const baseImage = process.env.PF_BASE_IMAGE ?? 'pf-bash/base:bookworm-node24';
const serviceUrl = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
const runId = randomBytes(4).toString('hex');
const benchBase = `pf-bash-bench/base:${runId}`;
const tag = `pf-bash-bench/reverse:${runId}`;
const engine = new Docker();

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The base under a new image id: same files, one label more; nothing built on the old id matches it. */
async function freshBase(name: string): Promise<void> {
  const dockerfile = `FROM ${baseImage}\nLABEL org.pf-bash.bench=${name}\n`;
  const tar = pack();
  tar.entry({ name: 'Dockerfile' }, dockerfile);
  tar.finalize();
  const stream = await engine.buildImage(Readable.from(tar), { t: name, rm: true });
  await new Promise<void>((resolve, reject) =>
    engine.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Milliseconds from spawning `docker run -d` to the first /readyz 200 (polled every 10 ms). */
async function timeToReady(image: string, name: string): Promise<number> {
  const port = await freePort();
  const topic = `persistent://public/default/bench-ready-${randomBytes(6).toString('hex')}`;
  const started = performance.now();
  await docker(
    ...['run', '-d', '--name', name, '--network', 'host', '--read-only', '--tmpfs', '/tmp'],
    ...['-e', `PF_SERVICE_URL=${serviceUrl}`, '-e', `PF_INPUTS=${topic}`, '-e', 'PF_HTTP_HOST=127.0.0.1'],
    ...['-e', `PF_HTTP_PORT=${port}`, image],
  );
  const deadline = started + 120_000;
  for (;;) {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.status === 200) return performance.now() - started;
    if (performance.now() > deadline) throw new Error(`${name} was not ready within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const root = await freshRuntimeRoot();
const dir = await mkdtemp(join(tmpdir(), 'pf-bench-image-'));
const script = join(dir, 'reverse.sh');
const names: string[] = [];
const bases: string[] = [];
/** Every image built, by id: a rebuild under the same tag leaves the previous one untagged. */
const builtIds = new Set<string>();
const quiet = { write: () => true };
try {
  const timings = { cold: [] as number[], cached: [] as number[], changed: [] as number[] };
  let built: BuiltImage | undefined;
  for (let round = 0; round < rounds; round++) {
    const base = `${benchBase}-${round}`;
    bases.push(base);
    await freshBase(base);
    await copyFile(new URL('../scripts/examples/reverse.sh', import.meta.url), script);
    const build = (): Promise<BuiltImage> =>
      buildFunctionImage({ script, baseImage: base, tag }, { root, output: quiet });
    const cold = await build();
    const cached = await build();
    if (cached.id !== cold.id) throw new Error('the cached rebuild gave another image');
    await writeFile(script, `${await readFile(script, 'utf8')}# edited\n`);
    const changed = await build();
    for (const image of [cold, changed]) builtIds.add(image.id);
    timings.cold.push(cold.durationMs);
    timings.cached.push(cached.durationMs);
    timings.changed.push(changed.durationMs);
    built = cold;
  }

  const readyMs: number[] = [];
  for (let i = 0; i < containersToStart; i++) {
    const name = `pf-bench-${runId}-${i}`;
    names.push(name);
    readyMs.push(await timeToReady(tag, name));
  }

  const spread = (values: readonly number[], unit: (v: number) => string) =>
    `median ${unit(median(values))} (min ${unit(Math.min(...values))}, max ${unit(Math.max(...values))}, ` +
    `n=${values.length})`;
  const ms = (v: number) => `${Math.round(v)} ms`;
  console.log(`base ${baseImage}: ${mb(built?.baseSizeBytes ?? 0)}`);
  console.log(
    `image (reverse.sh): ${mb(built?.sizeBytes ?? 0)}, ${mb(built?.overBaseBytes ?? 0)} over the base`,
  );
  console.log(`build, cold:           ${spread(timings.cold, seconds)}`);
  console.log(`build, cached:         ${spread(timings.cached, seconds)}`);
  console.log(`build, script changed: ${spread(timings.changed, seconds)}`);
  console.log(`docker run → ready:    ${spread(readyMs, ms)}`);
} finally {
  for (const name of names) await docker('rm', '--force', name).catch(() => undefined);
  // Function images before the bases they are built on.
  for (const image of [...builtIds, ...bases])
    await docker('image', 'rm', '--force', image).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  await rm(root, { recursive: true, force: true });
}
