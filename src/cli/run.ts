// `pf-bash run`: one function instance in this process. Settings come from the environment (docs/configuration.md);
// the flags set the same settings and win over it. Bad configuration exits with 2 and one line per problem.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { formatProblems, loadConfig, readFileOrUndefined } from '../runtime/config/index.ts';
import { Instance } from '../runtime/index.ts';

export const RUN_USAGE = `usage: pf-bash run [--script FILE] [--config-file FILE] [--http-host HOST] [--help]

Runs FILE (a bash script) as one instance of a Pulsar Function: every message of the input topics goes to the
script's stdin, its stdout to the output topic. Settings come from PF_* environment variables
(docs/configuration.md); a flag overrides its variable.

  --script FILE        the bash script to run (PF_SCRIPT)
  --config-file FILE   a Pulsar FunctionConfig YAML file (PF_FUNCTION_CONFIG_FILE)
  --http-host HOST     the address of the HTTP port (PF_HTTP_HOST)
  -h, --help           this help

Exit codes: 0 after a clean shutdown (SIGTERM, SIGINT), 1 when the instance fails, 2 for bad configuration.
`;

/** Flag → the variable it sets. */
const FLAG_VARIABLES = {
  script: 'PF_SCRIPT',
  'config-file': 'PF_FUNCTION_CONFIG_FILE',
  'http-host': 'PF_HTTP_HOST',
} as const;

/** After a stop, exit even if a handle was left open; never sooner than everything closed in order. */
const EXIT_GRACE_MS = 2_000;

export async function runCommand(argv: readonly string[]): Promise<number> {
  let values: { script?: string; 'config-file'?: string; 'http-host'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        script: { type: 'string' },
        'config-file': { type: 'string' },
        'http-host': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`pf-bash run: ${(error as Error).message}\n\n${RUN_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [flag, variable] of Object.entries(FLAG_VARIABLES)) {
    const value = values[flag as keyof typeof FLAG_VARIABLES];
    if (value !== undefined) env[variable] = value;
  }
  const loaded = loadConfig(env, readFileOrUndefined, { cpuCount: availableParallelism() });
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`);
    return 2;
  }
  let instance: Instance;
  try {
    instance = await Instance.start({ config: loaded.config, warnings: loaded.warnings });
  } catch {
    return 1; // logged by the instance
  }
  const code = await instance.finished;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}
