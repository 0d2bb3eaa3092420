// Builds a function image with the Docker Engine (dockerode): reads what the plan needs, packs the context,
// streams the engine's output to the terminal, and reports the image's size over its base.
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { packContext } from './context.ts';
import {
  DOCKERFILE_TEMPLATE,
  type FunctionImageOptions,
  type ImageBuildPlan,
  imageBuildPlan,
  productionPackages,
  RUNTIME_ENTRY,
} from './dockerfile.ts';
import { type BuildEvent, BuildProgress } from './progress.ts';

/** Where the build's output goes: a terminal, a file, a test's buffer. */
export interface TextSink {
  write(text: string): unknown;
}

export interface BuildDependencies {
  /** Default: a client for DOCKER_HOST, else /var/run/docker.sock. */
  readonly docker?: Docker;
  /** Build output as it comes; default none. */
  readonly output?: TextSink;
  /** The pf-bash package root holding dist/, node_modules/ and images/; default the one this module is in. */
  readonly root?: string;
}

export interface BuiltImage {
  /** `sha256:…`. */
  readonly id: string;
  readonly tag: string;
  readonly baseImage: string;
  readonly sizeBytes: number;
  readonly baseSizeBytes: number;
  /** What the function adds to its base: the runtime, its dependencies, the script, the user. */
  readonly overBaseBytes: number;
  readonly durationMs: number;
  readonly plan: ImageBuildPlan;
}

/** src/image/build.ts and dist/image/build.js both sit two levels below the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${what} at ${path} (${error.code ?? error.message})`, { cause: error });
  });
  return JSON.parse(text);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Reads the facts the plan needs from disk and decides the build; fails before any engine call on bad input. */
export async function planImage(
  options: FunctionImageOptions,
  root: string = PACKAGE_ROOT,
): Promise<ImageBuildPlan> {
  const pkg = (await readJson(join(root, 'package.json'), 'the pf-bash package.json')) as {
    version?: unknown;
  };
  if (typeof pkg.version !== 'string') throw new Error(`${join(root, 'package.json')} has no version`);
  const lock = await readJson(
    join(root, 'package-lock.json'),
    'package-lock.json (images are built from a pf-bash checkout after `npm ci`)',
  );
  await access(join(root, RUNTIME_ENTRY)).catch(() => {
    throw new Error(`${join(root, RUNTIME_ENTRY)} is missing: build the runtime first (npm run build)`);
  });
  const script = await readFile(options.script).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the script ${options.script} (${error.code ?? error.message})`, {
      cause: error,
    });
  });
  // The template is read only to append environment to it; otherwise the context packs it as it is.
  const dockerfile =
    Object.keys(options.env ?? {}).length === 0
      ? undefined
      : await readFile(join(root, DOCKERFILE_TEMPLATE), 'utf8');
  return imageBuildPlan(options, {
    runtimeVersion: pkg.version,
    scriptSha256: createHash('sha256').update(script).digest('hex'),
    packages: productionPackages(lock),
    ...(dockerfile === undefined ? {} : { dockerfile }),
  });
}

async function follow(response: NodeJS.ReadableStream, progress: BuildProgress): Promise<void> {
  const lines = createInterface({
    input: response as NodeJS.ReadableStream & AsyncIterable<unknown>,
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let event: BuildEvent;
    try {
      event = JSON.parse(line) as BuildEvent;
    } catch {
      event = { stream: `${line}\n` };
    }
    progress.handle(event);
  }
}

async function imageSize(docker: Docker, name: string): Promise<number> {
  const info = (await docker.getImage(name).inspect()) as { Size?: number };
  return info.Size ?? 0;
}

/**
 * Builds the image for one script and tags it. Build output goes to `deps.output` as it comes; a failed step
 * rejects with an ImageBuildError that names the step and shows its output.
 */
export async function buildFunctionImage(
  options: FunctionImageOptions,
  deps: BuildDependencies = {},
): Promise<BuiltImage> {
  const started = performance.now();
  const root = deps.root ?? PACKAGE_ROOT;
  const docker = deps.docker ?? new Docker();
  const write = (text: string) => deps.output?.write(text);
  const plan = await planImage(options, root);
  const context = await packContext(plan.context, {
    runtime: root,
    function: dirname(resolve(options.script)),
  });
  write(
    `building ${plan.tag} from ${plan.baseImage}: ${context.files} files, ${megabytes(context.bytes)} of context\n`,
  );
  const progress = new BuildProgress(write);
  const response = await docker
    .buildImage(context.stream, {
      t: plan.tag,
      buildargs: { ...plan.buildArgs },
      labels: { ...plan.labels },
      // Intermediate containers go, also when a step fails.
      rm: true,
      forcerm: true,
    })
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`the Docker engine did not take the build (${message}); is it running?`, {
        cause: error,
      });
    });
  const [followed, packed] = await Promise.allSettled([follow(response, progress), context.done]);
  // A file that vanished while being packed explains a broken upload better than the engine's error does.
  if (packed.status === 'rejected') throw packed.reason;
  if (followed.status === 'rejected') throw followed.reason;
  const id = progress.result();
  const [sizeBytes, baseSizeBytes] = await Promise.all([
    imageSize(docker, id),
    imageSize(docker, plan.baseImage),
  ]);
  const durationMs = performance.now() - started;
  const overBaseBytes = sizeBytes - baseSizeBytes;
  write(
    `built ${plan.tag} (${id.replace(/^sha256:/, '').slice(0, 12)}) in ${(durationMs / 1000).toFixed(1)} s: ` +
      `${megabytes(sizeBytes)}, ${megabytes(overBaseBytes)} over ${plan.baseImage}\n`,
  );
  return {
    id,
    tag: plan.tag,
    baseImage: plan.baseImage,
    sizeBytes,
    baseSizeBytes,
    overBaseBytes,
    durationMs,
    plan,
  };
}
