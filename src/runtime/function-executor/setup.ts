// Checks made once when an executor is created, whatever the mode: the script and the helper library are
// readable files, the script's base environment can be built, and bash is on its PATH. Every problem is
// collected, then thrown together as one ExecutorOptionsError.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { type BaseEnvInput, buildBaseEnv } from './environment.ts';
import { ExecutorOptionsError } from './options.ts';

export interface ScriptSetup {
  /** Absolute. */
  readonly scriptPath: string;
  /** The per-instance part of the script's environment. */
  readonly env: Record<string, string>;
  /** Absolute path of bash. */
  readonly bash: string;
  /** Absolute paths of mkfifo and rm, when asked for (exec mode's launchers use them). */
  readonly launcherTools: { readonly mkfifo: string; readonly rm: string } | undefined;
}

export function checkScriptSetup(
  files: { readonly scriptPath: string; readonly helperLibraryPath: string; readonly bashPath: string },
  envInput: BaseEnvInput,
  needs: { readonly launcher: boolean } = { launcher: false },
): ScriptSetup {
  const problems: string[] = [];
  const scriptPath = path.resolve(files.scriptPath);
  const scriptProblem = readableFileProblem(scriptPath);
  if (scriptProblem !== undefined) problems.push(`scriptPath: ${scriptProblem}`);
  const libraryProblem = readableFileProblem(files.helperLibraryPath);
  if (libraryProblem !== undefined) problems.push(`helperLibraryPath: ${libraryProblem}`);
  let env: Record<string, string> = {};
  try {
    env = buildBaseEnv(envInput);
  } catch (error) {
    problems.push(`environment: ${(error as Error).message}`);
  }
  const bash = findExecutable(files.bashPath, env.PATH ?? '');
  if (bash === undefined)
    problems.push(`bashPath: \`${files.bashPath}\` is not an executable (looked up on PATH)`);
  let launcherTools: ScriptSetup['launcherTools'];
  if (needs.launcher) {
    const [mkfifo, rm] = ['mkfifo', 'rm'].map((tool) => {
      const found = findExecutable(tool, env.PATH ?? '');
      if (found === undefined) {
        problems.push(`${tool}: not found on the script's PATH (coreutils; exec mode's launchers need it)`);
      }
      return found;
    });
    if (mkfifo !== undefined && rm !== undefined) launcherTools = { mkfifo, rm };
  }
  if (problems.length > 0 || bash === undefined) throw new ExecutorOptionsError(problems);
  return { scriptPath, env, bash, launcherTools };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function readableFileProblem(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return `${file} is not a file`;
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? message(error)})`;
  }
}

/** An absolute path as is; a bare name looked up on `searchPath` (as execvp would, but once). */
export function findExecutable(name: string, searchPath: string): string | undefined {
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : searchPath
        .split(':')
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}
