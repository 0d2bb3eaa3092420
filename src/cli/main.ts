#!/usr/bin/env node
// Entry point of the pf-bash command line: looks the command up in COMMANDS and runs it. Each command lives in
// its own file and is imported only when used, so `pf-bash run` never loads what `build` needs. To add one,
// add a line to COMMANDS.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A command takes its arguments (after its name) and resolves with the process exit code. */
export type CommandMain = (argv: readonly string[]) => Promise<number>;

export interface Command {
  readonly summary: string;
  readonly load: () => Promise<CommandMain>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  run: {
    summary: 'run a bash script as one Pulsar Function instance',
    load: async () => (await import('./run.ts')).runCommand,
  },
  build: {
    summary: 'build a Docker image that runs a script as a function',
    load: async () => (await import('./build.ts')).buildCommand,
  },
  manifest: {
    summary: "print a function's Kubernetes objects (StatefulSet, Service, PodDisruptionBudget)",
    load: async () => (await import('./manifest.ts')).manifestCommand,
  },
  produce: {
    summary: 'send messages to a topic',
    load: async () => (await import('./produce.ts')).produceCommand,
  },
  consume: {
    summary: 'receive messages from a topic',
    load: async () => (await import('./consume.ts')).consumeCommand,
  },
  trigger: {
    summary: "send one message to a running function's input and print its output",
    load: async () => (await import('./trigger.ts')).triggerCommand,
  },
  status: {
    summary: "print running instances' status (as pulsar-admin functions status)",
    load: async () => (await import('./status.ts')).statusCommand,
  },
  stats: {
    summary: "print running instances' statistics (as pulsar-admin functions stats)",
    load: async () => (await import('./stats.ts')).statsCommand,
  },
};

export const VERSION = '0.1.0';

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: pf-bash <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'pf-bash <command> --help shows the options of a command; pf-bash --version the version.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === 'version') {
    process.stdout.write(`pf-bash ${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`pf-bash: unknown command \`${name}\`\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest);
}

/** Run as the program itself (node dist/cli/main.js, the npm bin link, node src/cli/main.ts), not imported. */
function isProgram(): boolean {
  const invokedAs = process.argv[1];
  if (invokedAs === undefined) return false;
  try {
    return realpathSync(invokedAs) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isProgram()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `pf-bash: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
