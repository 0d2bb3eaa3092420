// `pf-bash stats`: what `pulsar-admin functions stats` shows, read from running instances' /stats; several
// instances are combined the way Pulsar's FunctionStatsImpl does (totals summed, latencies averaged).
import { type FunctionStats, mergeFunctionStats } from '../runtime/metrics/index.ts';
import {
  type CliIo,
  type CommandSpec,
  ExitCode,
  executeCommand,
  type ParsedArgs,
  processIo,
} from './args.ts';
import { ENDPOINT_OPTIONS, hasInstances, printMerged } from './endpoints.ts';

export const STATS_SPEC: CommandSpec = {
  name: 'stats',
  synopsis: '[--url URL …] [options]',
  description: `Prints the statistics of running instances as JSON, in the shape of \`pulsar-admin functions
stats\`: receivedTotal, processedSuccessfullyTotal, systemExceptionsTotal, userExceptionsTotal, avgProcessLatency,
the same over the last minute (1min), lastInvocation and, per instance, its own figures. Several --url are
combined: totals summed, latencies averaged over the instances that measured any.`,
  options: ENDPOINT_OPTIONS,
  exitCodes: [[ExitCode.Failure, 'an instance did not answer (the others are still printed)']],
  examples: ['pf-bash stats --url http://127.0.0.1:9094'],
};

async function stats(args: ParsedArgs, io: CliIo): Promise<number> {
  return printMerged(
    args,
    io,
    '/stats',
    (value): value is FunctionStats => hasInstances(value),
    (documents) => mergeFunctionStats(documents.flatMap((d) => d.instances)),
  );
}

export function statsCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(STATS_SPEC, argv, io, stats);
}
