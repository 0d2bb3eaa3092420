// The FunctionExecutor: runs the bash script for one message. Everything the runtime may import from here.
// docs/script-contract.md is the script's side of the contract.
export { ControlProtocolError } from './control-reader.ts';
export { ControlRecordKind } from './control-records.ts';
export { CONTROL_FD, EnvVar, MAX_ARG_STRLEN } from './environment.ts';
export { createExecExecutor, ExecExecutor } from './exec-executor.ts';
export { HELPER_LIBRARY_PATH } from './helper-library.ts';
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecExecutorOptions,
  ExecutorOptionsError,
  PERMANENT_FAILURE_EXIT_CODE,
} from './options.ts';
export { MAX_ARGUMENT_PAYLOAD_BYTES } from './payload-argument.ts';
export {
  type ExtraMessage,
  FailureCode,
  type FunctionExecutor,
  type FunctionInstance,
  type Invocation,
  type InvocationResult,
  Outcome,
  type OutputMessage,
  ScriptLogLevel,
} from './types.ts';
