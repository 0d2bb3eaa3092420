// What a function image is built from, as pure data: the build arguments and labels for images/function/Dockerfile,
// the tag, and the list of files that make up the build context (src/image/build.ts packs them).
import { posix } from 'node:path';

export const DEFAULT_BASE_IMAGE = 'node:24-bookworm-slim';
/** Where the Dockerfile template lives in the pf-bash package; in the context it is `Dockerfile`. */
export const DOCKERFILE_TEMPLATE = 'images/function/Dockerfile';
export const ENTRYPOINT_SCRIPT = 'images/function/entrypoint.sh';
/**
 * The runtime's bash helper libraries (PF_LIB: pf-function.sh, and pf-stream.sh for stream mode); the runtime finds
 * them at this path relative to its package root. The whole folder, as the npm package ships it.
 */
export const HELPER_LIBRARIES = 'scripts/lib';
/** The runtime's entry point, which must have been built (npm run build) before an image can be. */
export const RUNTIME_ENTRY = 'dist/cli/main.js';
/** The function's files in the image; the Dockerfile's WORKDIR. */
export const FUNCTION_DIR = '/fn';
export const FUNCTION_USER = { uid: 10001, gid: 10001, name: 'pfbash' } as const;

export const LABEL = {
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  version: 'org.opencontainers.image.version',
  baseName: 'org.opencontainers.image.base.name',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  runtimeVersion: 'org.pf-bash.runtime.version',
  script: 'org.pf-bash.script',
  scriptSha256: 'org.pf-bash.script.sha256',
} as const;

export interface FunctionImageOptions {
  /** Path of the bash script on this machine. */
  readonly script: string;
  /** Files or directories next to the script (relative to its directory) that it needs; copied alongside it. */
  readonly files?: readonly string[];
  /** The function's name (PF_NAME); default the script's file name without its extension, as the runtime's. */
  readonly name?: string;
  /** PF_TENANT and PF_NAMESPACE baked in as defaults; unset, the runtime uses public/default. */
  readonly tenant?: string;
  readonly namespace?: string;
  /** Default `node:24-bookworm-slim`: any image with Node 24 as `node` on PATH, /bin/sh and useradd. */
  readonly baseImage?: string;
  /** `org.opencontainers.image.version`, and the default tag's tag; default the pf-bash version. */
  readonly version?: string;
  /** Default `pf-bash/<name>:<version>`, the image the example manifests name. */
  readonly tag?: string;
  /** `org.opencontainers.image.source`: where the script's source lives (a repository URL). */
  readonly source?: string;
  /** `org.opencontainers.image.revision`: the source's commit. */
  readonly revision?: string;
  /**
   * `org.opencontainers.image.created`. Unset by default: a timestamp makes every build a new image, where an
   * unchanged script and runtime otherwise give the same image id.
   */
  readonly created?: Date;
  /** Any other labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * More default environment (`PF_SCRIPT_ARGV_PAYLOAD=true`, a setting the script reads), as ENV lines appended to
   * the Dockerfile; `docker run -e` and the manifest's env still override them. Not the script's identity (the
   * options above) and no token: anyone holding the image could read it.
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** Facts about the inputs that the plan needs and that only the impure side can read. */
export interface ImageInputs {
  /** The pf-bash package's version. */
  readonly runtimeVersion: string;
  /** SHA-256 of the script's bytes, in hex. */
  readonly scriptSha256: string;
  /** The production packages, from productionPackages(package-lock.json). */
  readonly packages: readonly ProductionPackage[];
  /** The text of images/function/Dockerfile; needed only when the options add environment. */
  readonly dockerfile?: string;
}

/** One file or directory of the build context. */
export type ContextEntry =
  | {
      /** Path inside the context. */
      readonly target: string;
      /** `runtime`: relative to the pf-bash package root; `function`: relative to the script's directory. */
      readonly from: 'runtime' | 'function';
      readonly path: string;
      /** A directory's subdirectories of this name are left out (a package's nested node_modules). */
      readonly skipDirectories?: readonly string[];
      /** Skipped without error when absent (an optional dependency not installed on this platform). */
      readonly optional?: boolean;
    }
  | { readonly target: string; readonly content: string };

export interface ImageBuildPlan {
  readonly tag: string;
  readonly baseImage: string;
  /** For images/function/Dockerfile's ARGs. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Labels that vary from build to build or are the user's; the stable ones come from the Dockerfile's ARGs. */
  readonly labels: Readonly<Record<string, string>>;
  readonly context: readonly ContextEntry[];
  /** The script's path in the image (PF_SCRIPT). */
  readonly scriptInImage: string;
}

export interface ProductionPackage {
  /** `node_modules/a` or `node_modules/a/node_modules/b`. */
  readonly path: string;
  readonly optional: boolean;
}

/** Raised with every problem found in the options, one line each. */
export class ImageOptionsError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid image options:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ImageOptionsError';
    this.problems = problems;
  }
}

/**
 * The packages `npm ci --omit=dev` installs, read from package-lock.json (lockfileVersion 2 or 3): every entry
 * of `packages` except the root and those marked `dev`. `devOptional` ones stay, as npm keeps them.
 */
export function productionPackages(lock: unknown): ProductionPackage[] {
  const packages = (lock as { packages?: unknown } | null)?.packages;
  if (packages === null || typeof packages !== 'object') {
    throw new Error('package-lock.json has no "packages" map (lockfileVersion 2 or later is needed)');
  }
  const result: ProductionPackage[] = [];
  for (const [path, meta] of Object.entries(packages as Record<string, Record<string, unknown>>)) {
    if (path === '' || meta.dev === true) continue;
    if (!path.startsWith('node_modules/') || meta.link === true) {
      throw new Error(`package-lock.json entry ${path}: workspaces and linked packages are not supported`);
    }
    result.push({ path, optional: meta.optional === true });
  }
  return result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `/fn/reverse.sh` → `reverse`, as the runtime names a function after its script. */
export function functionNameOf(scriptPath: string): string {
  const base = posix.basename(scriptPath);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A repository name Docker accepts, from a function name: lower-cased, other characters become `-`. */
export function defaultTag(name: string, version: string): string {
  const repository = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  const tag = version.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128);
  return `pf-bash/${repository || 'function'}:${tag}`;
}

const ENTITY_NAME = /^[-=:.\w]+$/;
/** Script file names are written into ENV and LABEL lines; keep them to characters that need no quoting. */
const SCRIPT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set from the options (and the Dockerfile's ARGs); a second source would only contradict them. */
const IDENTITY_ENV = ['PF_SCRIPT', 'PF_NAME', 'PF_TENANT', 'PF_NAMESPACE'];

function checkEnv(env: Readonly<Record<string, string>>, problems: string[]): void {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) {
      problems.push(`env ${JSON.stringify(name)}: expected a variable name ([A-Za-z_][A-Za-z0-9_]*)`);
    } else if (IDENTITY_ENV.includes(name)) {
      problems.push(`env ${name}: set from the script, name, tenant and namespace options`);
    } else if (name === 'PF_AUTH_TOKEN') {
      problems.push(
        `env ${name}: anyone holding the image could read it; give it at run time (PF_AUTH_TOKEN_FILE)`,
      );
    } else if (/\p{Cc}/u.test(value)) {
      problems.push(`env ${name}: control characters are not allowed in the value`);
    }
  }
}

/**
 * `ENV A="…" B="…"`, appended to the Dockerfile. Within double quotes the Dockerfile parser treats only `\`, `"`
 * and `$` specially, so escaping those three keeps every value literal (no `$VAR` expansion).
 */
function envInstruction(env: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(env)
    .sort()
    .map((name) => `${name}="${(env[name] ?? '').replace(/["$\\]/g, '\\$&')}"`);
  return `\n# Default environment given with the build (pf-bash build --env).\nENV ${pairs.join(' \\\n    ')}\n`;
}

/** The template as it is, or with the build's environment appended. */
function dockerfileEntry(options: FunctionImageOptions, inputs: ImageInputs): ContextEntry {
  const env = options.env ?? {};
  if (Object.keys(env).length === 0) {
    return { target: 'Dockerfile', from: 'runtime', path: DOCKERFILE_TEMPLATE };
  }
  if (inputs.dockerfile === undefined)
    throw new Error('the Dockerfile template is needed to add environment');
  return { target: 'Dockerfile', content: `${inputs.dockerfile}${envInstruction(env)}` };
}

function extraFileProblem(file: string): string | undefined {
  if (file === '' || posix.isAbsolute(file) || file.includes('\\')) return 'expected a relative path';
  if (/\p{Cc}/u.test(file)) return 'control characters are not allowed';
  const normal = posix.normalize(file);
  if (normal === '.' || normal === '..' || normal.startsWith('../')) {
    return 'expected a path inside the script’s directory';
  }
  return undefined;
}

/** The extra files, normalised; their problems go to `problems`. */
function extraFiles(files: readonly string[], scriptFile: string, problems: string[]): string[] {
  const seen = new Set([scriptFile]);
  const extras: string[] = [];
  for (const file of files) {
    const problem = extraFileProblem(file);
    const normal = posix.normalize(file).replace(/\/$/, '');
    if (problem !== undefined) problems.push(`file ${JSON.stringify(file)}: ${problem}`);
    else if (seen.has(normal))
      problems.push(`file ${JSON.stringify(file)}: named twice (or it is the script)`);
    else {
      seen.add(normal);
      extras.push(normal);
    }
  }
  return extras;
}

/** The script's file name and the function's name, checked. */
function identityOf(options: FunctionImageOptions, problems: string[]): { scriptFile: string; name: string } {
  const scriptFile = posix.basename(options.script.replaceAll('\\', '/'));
  const scriptFileValid = SCRIPT_FILE_NAME.test(scriptFile);
  if (!scriptFileValid) {
    problems.push(`script ${JSON.stringify(scriptFile)}: expected a file name of letters, digits and ._+-`);
  }
  const name = options.name ?? functionNameOf(scriptFile);
  // A name derived from a bad script name would only repeat that problem.
  const checkedName = options.name !== undefined || scriptFileValid ? name : undefined;
  const identity = [
    ['name', checkedName],
    ['tenant', options.tenant],
    ['namespace', options.namespace],
  ] as const;
  for (const [field, value] of identity) {
    if (value !== undefined && !ENTITY_NAME.test(value)) {
      problems.push(`${field}=${JSON.stringify(value)}: expected letters, digits and -_=:.`);
    }
  }
  return { scriptFile, name };
}

function contextOf(
  dockerfile: ContextEntry,
  scriptFile: string,
  extras: readonly string[],
  inputs: ImageInputs,
): ContextEntry[] {
  // Written rather than copied: only what Node needs (dist/ is ES modules), so that editing scripts or
  // devDependencies in the real package.json leaves this layer cached.
  const packageJson = { name: 'pf-bash', version: inputs.runtimeVersion, private: true, type: 'module' };
  return [
    dockerfile,
    { target: 'runtime/package.json', content: `${JSON.stringify(packageJson, null, 2)}\n` },
    { target: 'runtime/entrypoint.sh', from: 'runtime', path: ENTRYPOINT_SCRIPT },
    { target: `runtime/${HELPER_LIBRARIES}`, from: 'runtime', path: HELPER_LIBRARIES },
    { target: 'runtime/dist', from: 'runtime', path: 'dist' },
    ...inputs.packages.map(
      (pkg): ContextEntry => ({
        target: `runtime/${pkg.path}`,
        from: 'runtime',
        path: pkg.path,
        // Nested packages are entries of their own, and may be dev-only.
        skipDirectories: ['node_modules'],
        optional: pkg.optional,
      }),
    ),
    { target: `function/${scriptFile}`, from: 'function', path: scriptFile },
    ...extras.map((file): ContextEntry => ({ target: `function/${file}`, from: 'function', path: file })),
  ];
}

/** The whole build, decided from the options and the inputs' facts; throws ImageOptionsError on bad options. */
export function imageBuildPlan(options: FunctionImageOptions, inputs: ImageInputs): ImageBuildPlan {
  const problems: string[] = [];
  const { scriptFile, name } = identityOf(options, problems);
  if (!SHA256_HEX.test(inputs.scriptSha256)) problems.push('script checksum: expected 64 hex digits');
  const extras = extraFiles(options.files ?? [], scriptFile, problems);
  checkEnv(options.env ?? {}, problems);
  if (problems.length > 0) throw new ImageOptionsError(problems);

  const version = options.version ?? inputs.runtimeVersion;
  const baseImage = options.baseImage ?? DEFAULT_BASE_IMAGE;
  const labels: Record<string, string> = {};
  if (options.source !== undefined) labels[LABEL.source] = options.source;
  if (options.revision !== undefined) labels[LABEL.revision] = options.revision;
  if (options.created !== undefined) labels[LABEL.created] = options.created.toISOString();
  Object.assign(labels, options.labels);
  return {
    tag: options.tag ?? defaultTag(name, version),
    baseImage,
    buildArgs: {
      BASE_IMAGE: baseImage,
      FUNCTION_SCRIPT: scriptFile,
      FUNCTION_NAME: name,
      FUNCTION_TENANT: options.tenant ?? '',
      FUNCTION_NAMESPACE: options.namespace ?? '',
      IMAGE_VERSION: version,
      PF_BASH_VERSION: inputs.runtimeVersion,
      SCRIPT_SHA256: inputs.scriptSha256,
    },
    labels,
    context: contextOf(dockerfileEntry(options, inputs), scriptFile, extras, inputs),
    scriptInImage: `${FUNCTION_DIR}/${scriptFile}`,
  };
}
