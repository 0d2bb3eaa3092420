// `pf-bash manifest`: the Kubernetes objects of a function (src/k8s: headless Service, StatefulSet,
// PodDisruptionBudget) as YAML, from the same settings `pf-bash run` reads: the PF_ variables of the environment,
// a FunctionConfig file and flags. The settings are checked as the runtime checks them, then written into the pod
// template as environment variables; those the manifest sets itself (identity, instances, port, drain, token)
// become its fields instead.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type FunctionDeployment,
  FunctionDeploymentError,
  functionManifests,
  ImagePullPolicy,
  MANAGED_ENV,
  manifestList,
  renderManifests,
  TokenDelivery,
} from '../k8s/index.ts';
import { formatProblem, type ReadFile, readFileOrUndefined } from '../runtime/config/index.ts';
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
import {
  configVariables,
  type FunctionSettings,
  loadFunctionSettings,
  withFlagVariables,
} from './function-settings.ts';

export const MANIFEST_SPEC: CommandSpec = {
  name: 'manifest',
  synopsis: '--image IMAGE [--config-file FILE] [options]',
  description: `Prints the Kubernetes objects that run a function built with \`pf-bash build\`: a headless Service, a
StatefulSet with one pod per instance and a PodDisruptionBudget (docs/operations.md). The function's settings are
the PF_ variables of this environment, the FunctionConfig file and --env, with the same precedence and checks as
\`pf-bash run\` (docs/configuration.md); they go into the pod's environment. PF_SCRIPT is left to the image. The
broker token is never written: --token-secret names the Secret that holds it.`,
  options: {
    image: { type: 'string', value: 'IMAGE', required: true, description: 'the function image' },
    'config-file': {
      type: 'string',
      value: 'FILE',
      description: 'a Pulsar FunctionConfig YAML file (as PF_FUNCTION_CONFIG_FILE); its settings are inlined',
    },
    name: {
      type: 'string',
      value: 'NAME',
      description: 'the function name (PF_NAME)',
      defaultText: "the file's name, else the script's",
    },
    tenant: { type: 'string', value: 'TENANT', description: 'PF_TENANT', defaultText: 'public' },
    namespace: { type: 'string', value: 'NAMESPACE', description: 'PF_NAMESPACE', defaultText: 'default' },
    parallelism: {
      type: 'string',
      value: 'N',
      description: 'instances (pods)',
      defaultText: "PF_NUM_INSTANCES or the file's parallelism, else 1",
    },
    env: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      description: 'a setting or any variable for the pod; wins over the environment and the file',
    },
    'token-secret': {
      type: 'string',
      value: 'NAME[:KEY]',
      description:
        'the Secret holding the broker token, and its key (default key: token); none for a broker without authentication',
    },
    'token-delivery': {
      type: 'string',
      value: 'file|env',
      default: TokenDelivery.File,
      description: 'file: a mounted Secret, re-read on rotation; env: PF_AUTH_TOKEN from the Secret',
    },
    cpu: { type: 'string', value: 'QUANTITY', default: '1', description: 'CPU limit and request per pod' },
    memory: {
      type: 'string',
      value: 'QUANTITY',
      default: '1Gi',
      description: 'memory limit and request per pod',
    },
    'image-pull-policy': {
      type: 'string',
      value: Object.values(ImagePullPolicy).join('|'),
      default: ImagePullPolicy.IfNotPresent,
      description: "the container's imagePullPolicy",
    },
    'k8s-namespace': {
      type: 'string',
      value: 'NS',
      description: 'the Kubernetes namespace written into the objects',
      defaultText: "none; kubectl's -n or context decides",
    },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'write one file per object into DIR (<object>-<kind>.yaml) instead of stdout',
    },
  },
  exitCodes: [[ExitCode.Failure, 'the files could not be written']],
  examples: [
    'PF_INPUTS=reverse-in PF_OUTPUT=reverse-out pf-bash manifest --image pf-bash/reverse:0.1.0 --name reverse',
    'pf-bash manifest --config-file reverse.yaml --image registry.example.com/fns/reverse:1.4.0 \\\n' +
      '      --token-secret pulsar-token:token --parallelism 3 --out k8s/',
  ],
};

/** Settings the manifest takes from elsewhere: the image names its script; the file is inlined. */
const NOT_WRITTEN = ['PF_SCRIPT', 'PF_FUNCTION_CONFIG_FILE'];
/** Inputs are one setting: either variable given replaces both of the file's (as in the runtime's loader). */
const INPUT_SELECTION = ['PF_INPUTS', 'PF_TOPICS_PATTERN'];

/** The settings' variables: the file's, then the environment's (and flags') over them, as the loader ranks them. */
function settingVariables(
  settings: FunctionSettings,
  vars: Readonly<Record<string, string>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  const inputsGiven = INPUT_SELECTION.some((name) => vars[name] !== undefined);
  for (const [name, value] of settings.file?.values ?? []) {
    if (value.text.trim() === '' || (inputsGiven && INPUT_SELECTION.includes(name))) continue;
    result[name] = value.text;
  }
  return { ...result, ...vars };
}

function tokenSecret(args: ParsedArgs): FunctionDeployment['authTokenSecret'] {
  const text = args.string('token-secret');
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  const key = colon === -1 ? 'token' : text.slice(colon + 1);
  if (name === '' || key === '')
    throw new UsageError(`Expected \`--token-secret\` as NAME[:KEY], got \`${text}\``);
  const delivery = args.choice('token-delivery', Object.values(TokenDelivery)) ?? TokenDelivery.File;
  return { name, key, delivery };
}

/** The deployment the objects are made from, with warnings about settings left out of the pod's environment. */
export function deploymentFor(
  args: ParsedArgs,
  env: CliIo['env'],
  readFile: ReadFile,
): { deployment: FunctionDeployment; warnings: string[] } {
  const vars = withFlagVariables(args, configVariables(env), [
    ['config-file', 'PF_FUNCTION_CONFIG_FILE'],
    ['name', 'PF_NAME'],
    ['tenant', 'PF_TENANT'],
    ['namespace', 'PF_NAMESPACE'],
  ]);
  Object.assign(vars, args.keyValues('env'));
  const parallelism = args.integer('parallelism', 1);
  if (parallelism !== undefined) vars.PF_NUM_INSTANCES = String(parallelism);
  const warnings: string[] = [];
  // Each pod's ordinal is its instance id; one fixed id would be wrong for all pods but one.
  if (vars.PF_INSTANCE_ID !== undefined) {
    warnings.push('PF_INSTANCE_ID: not written; each pod takes its ordinal as its instance id');
    delete vars.PF_INSTANCE_ID;
  }
  const configFile = vars.PF_FUNCTION_CONFIG_FILE;
  // Only the FunctionConfig file is read here; other files (token, CA) are paths inside the pod.
  const settings = loadFunctionSettings(vars, (path) =>
    path === configFile ? readFile(path) : (readFile(path) ?? 'a file in the pod'),
  );
  warnings.push(...settings.warnings.map(formatProblem));
  const all = settingVariables(settings, vars);
  if (!settings.scriptNamed && all.PF_NAME === undefined) {
    throw new UsageError("no function name: give --name, PF_NAME or the file's name (or name the script)");
  }
  for (const name of ['PF_AUTH_TOKEN', 'PF_AUTH_TOKEN_FILE']) {
    if (all[name] !== undefined) warnings.push(`${name}: not written; the token comes from --token-secret`);
  }
  const podEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) {
    if (!NOT_WRITTEN.includes(name) && !(MANAGED_ENV as readonly string[]).includes(name))
      podEnv[name] = value;
  }
  const { config } = settings;
  const authTokenSecret = tokenSecret(args);
  const kubernetesNamespace = args.string('k8s-namespace');
  const cpu = args.string('cpu');
  const memory = args.string('memory');
  return {
    warnings,
    deployment: {
      tenant: config.function.tenant,
      namespace: config.function.namespace,
      name: config.function.name,
      image: args.requiredString('image'),
      imagePullPolicy:
        args.choice('image-pull-policy', Object.values(ImagePullPolicy)) ?? ImagePullPolicy.IfNotPresent,
      parallelism: config.function.numInstances,
      env: podEnv,
      ...(authTokenSecret === undefined ? {} : { authTokenSecret }),
      ...(kubernetesNamespace === undefined ? {} : { kubernetesNamespace }),
      resources: {
        limits: { ...(cpu === undefined ? {} : { cpu }), ...(memory === undefined ? {} : { memory }) },
      },
      httpPort: config.httpPort,
      drainTimeoutMs: config.drainTimeoutMs,
      killGraceMs: config.script.killGraceMs,
    },
  };
}

async function manifest(args: ParsedArgs, io: CliIo): Promise<number> {
  const { deployment, warnings } = deploymentFor(args, io.env, readFileOrUndefined);
  for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
  let objects: ReturnType<typeof manifestList>;
  try {
    objects = manifestList(functionManifests(deployment));
  } catch (error) {
    if (error instanceof FunctionDeploymentError) throw new ConfigurationError(error.message);
    throw error;
  }
  const fqfn = `${deployment.tenant}/${deployment.namespace}/${deployment.name}`;
  const header = [`pf-bash function ${fqfn}, generated by \`pf-bash manifest\`.`];
  const out = args.string('out');
  if (out === undefined) {
    io.stdout.write(renderManifests(objects, { header }));
    return ExitCode.Ok;
  }
  await mkdir(out, { recursive: true });
  for (const object of objects) {
    const path = join(out, `${object.metadata?.name}-${object.kind.toLowerCase()}.yaml`);
    await writeFile(path, renderManifests([object], { header }));
    io.stderr.write(`wrote ${path}\n`);
  }
  return ExitCode.Ok;
}

export function manifestCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(MANIFEST_SPEC, argv, io, manifest);
}
