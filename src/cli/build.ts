// `pf-bash build`: a function image for one script, with the Docker Engine (src/image). The engine's output
// streams to stderr as it comes; stdout gets the image's tag (or, with --json, the figures), so that
// `image=$(pf-bash build reverse.sh)` works.
import { access } from 'node:fs/promises';
import {
  type BuiltImage,
  buildFunctionImage,
  DEFAULT_BASE_IMAGE,
  type FunctionImageOptions,
  ImageBuildError,
  ImageOptionsError,
  imageBuildPlan,
} from '../image/index.ts';
import {
  type CliIo,
  type CommandSpec,
  ConfigurationError,
  ExitCode,
  executeCommand,
  type ParsedArgs,
  processIo,
  UsageError,
} from './args.ts';

export const BUILD_SPEC: CommandSpec = {
  name: 'build',
  synopsis: '<script> [options]',
  description: `Builds a Docker image that runs <script> as a Pulsar Function: the pf-bash runtime, its production
dependencies, the script and the files named with --file, on --base-image. It runs as uid 10001, works with a
read-only root filesystem, and starts \`pf-bash run\`; every setting can still be given with \`docker run -e\`
(docs/configuration.md). Needs a Docker Engine (DOCKER_HOST, else /var/run/docker.sock) and a pf-bash checkout
with dist/ built (npm ci && npm run build). The build's output goes to stderr, the tag to stdout.`,
  positionals: { min: 1, max: 1, name: 'script' },
  options: {
    name: {
      type: 'string',
      value: 'NAME',
      description: 'the function name (PF_NAME)',
      defaultText: 'the script file name without extension',
    },
    tenant: {
      type: 'string',
      value: 'TENANT',
      description: 'PF_TENANT baked in',
      defaultText: 'public at run time',
    },
    namespace: {
      type: 'string',
      value: 'NAMESPACE',
      description: 'PF_NAMESPACE baked in',
      defaultText: 'default at run time',
    },
    tag: {
      type: 'string',
      value: 'IMAGE',
      description: 'the image tag',
      defaultText: 'pf-bash/<name>:<version>',
    },
    'base-image': {
      type: 'string',
      value: 'IMAGE',
      default: DEFAULT_BASE_IMAGE,
      description: 'an image with Node 24, /bin/sh, useradd, and the tools the script calls',
    },
    file: {
      type: 'string',
      multiple: true,
      value: 'PATH',
      description: 'a file or directory next to the script that it needs (relative to its directory)',
    },
    env: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      description: 'default environment in the image, e.g. PF_SCRIPT_ARGV_PAYLOAD=true (no tokens)',
    },
    version: {
      type: 'string',
      value: 'VERSION',
      description: 'org.opencontainers.image.version and the default tag\u2019s tag',
      defaultText: 'the pf-bash version',
    },
    label: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'an image label' },
    source: { type: 'string', value: 'URL', description: 'org.opencontainers.image.source' },
    revision: { type: 'string', value: 'REV', description: 'org.opencontainers.image.revision' },
    'runtime-root': {
      type: 'string',
      value: 'DIR',
      description: 'the pf-bash checkout whose dist/ and node_modules/ go into the image',
      defaultText: 'the one this command runs from',
    },
    json: {
      type: 'boolean',
      description: 'print {tag, id, sizeBytes, baseSizeBytes, overBaseBytes, durationMs} instead of the tag',
    },
  },
  exitCodes: [
    [ExitCode.Failure, 'the build failed (the failing step and its output are shown) or no engine answered'],
  ],
  examples: [
    'pf-bash build scripts/examples/reverse.sh',
    'pf-bash build fns/enrich.sh --file lib.sh --file data/ --tag registry.example.com/fns/enrich:1.4.0',
    'pf-bash build scripts/examples/reverse-argv.sh --env PF_SCRIPT_ARGV_PAYLOAD=true',
  ],
};

function imageOptions(args: ParsedArgs, script: string): FunctionImageOptions {
  const optional = (field: keyof FunctionImageOptions, flag: string) => {
    const value = args.string(flag);
    return value === undefined ? {} : { [field]: value };
  };
  const env = args.keyValues('env');
  const labels = args.keyValues('label');
  return {
    script,
    files: args.strings('file'),
    ...optional('name', 'name'),
    ...optional('tenant', 'tenant'),
    ...optional('namespace', 'namespace'),
    ...optional('tag', 'tag'),
    ...optional('baseImage', 'base-image'),
    ...optional('version', 'version'),
    ...optional('source', 'source'),
    ...optional('revision', 'revision'),
    ...(Object.keys(env).length === 0 ? {} : { env }),
    ...(Object.keys(labels).length === 0 ? {} : { labels }),
  };
}

/**
 * The options' problems, before the checkout is read or the engine asked: the plan is pure, and stand-in facts
 * about the checkout do not change what it says about the options.
 */
function checkOptions(options: FunctionImageOptions): void {
  try {
    imageBuildPlan(options, {
      runtimeVersion: '0.0.0',
      scriptSha256: '0'.repeat(64),
      packages: [],
      dockerfile: '',
    });
  } catch (error) {
    if (error instanceof ImageOptionsError) throw new ConfigurationError(error.message);
    throw error;
  }
}

function summary(image: BuiltImage): Record<string, unknown> {
  return {
    tag: image.tag,
    id: image.id,
    baseImage: image.baseImage,
    sizeBytes: image.sizeBytes,
    baseSizeBytes: image.baseSizeBytes,
    overBaseBytes: image.overBaseBytes,
    durationMs: Math.round(image.durationMs),
  };
}

async function build(args: ParsedArgs, io: CliIo): Promise<number> {
  const script = args.positionals[0] ?? '';
  await access(script).catch(() => {
    throw new UsageError(`cannot read the script ${script}`);
  });
  const options = imageOptions(args, script);
  checkOptions(options);
  const root = args.string('runtime-root');
  let image: BuiltImage;
  try {
    image = await buildFunctionImage(options, {
      output: io.stderr,
      ...(root === undefined ? {} : { root }),
    });
  } catch (error) {
    if (error instanceof ImageOptionsError) throw new ConfigurationError(error.message);
    // The step and its output were streamed already; the error repeats them in one place.
    if (error instanceof ImageBuildError) io.stderr.write('\n');
    throw error;
  }
  io.stdout.write(args.flag('json') ? `${JSON.stringify(summary(image))}\n` : `${image.tag}\n`);
  return ExitCode.Ok;
}

export function buildCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(BUILD_SPEC, argv, io, build);
}
