// `pf-bash status`: what `pulsar-admin functions status` shows, read from running instances' /status; several
// instances (the pods of a StatefulSet) are merged into one document.
import { type FunctionStatus, mergeFunctionStatus } from '../runtime/metrics/index.ts';
import {
  type CliIo,
  type CommandSpec,
  ExitCode,
  executeCommand,
  type ParsedArgs,
  processIo,
} from './args.ts';
import { ENDPOINT_OPTIONS, hasInstances, printMerged } from './endpoints.ts';

export const STATUS_SPEC: CommandSpec = {
  name: 'status',
  synopsis: '[--url URL …] [options]',
  description: `Prints the status of running instances as JSON, in the shape of \`pulsar-admin functions status\`:
numInstances, numRunning and, per instance, running, error, numReceived, numSuccessfullyProcessed,
numUserExceptions, numSystemExceptions, averageLatency, lastInvocationTime and workerId. One --url prints that
instance's document; several are merged (instances sorted by id, numRunning summed).`,
  options: {
    ...ENDPOINT_OPTIONS,
    instances: {
      type: 'string',
      value: 'N',
      description: 'the function\u2019s parallelism, shown as numInstances when merging',
      defaultText: 'the number of URLs that answered',
    },
  },
  exitCodes: [[ExitCode.Failure, 'an instance did not answer (the others are still printed)']],
  examples: [
    'pf-bash status --url http://127.0.0.1:9094',
    'pf-bash status --url 10.1.0.7:9094 --url 10.1.0.8:9094 --instances 2',
  ],
};

async function status(args: ParsedArgs, io: CliIo): Promise<number> {
  const instances = args.integer('instances', 1);
  return printMerged(
    args,
    io,
    '/status',
    (value): value is FunctionStatus => hasInstances(value),
    (documents) => mergeFunctionStatus(documents, instances),
  );
}

export function statusCommand(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return executeCommand(STATUS_SPEC, argv, io, status);
}
