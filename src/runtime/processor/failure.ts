// Why a message failed, in one shape whatever failed: the script, the routing it asked for, or publishing.
import type { FailureCode, InvocationResult } from '../function-executor/index.ts';
import { Outcome } from '../function-executor/index.ts';
import type { RoutingError } from './outgoing.ts';
import { SequenceIdRangeError } from './sequence.ts';

/** Failures of the runtime around the script, next to the executor's FailureCode values. */
export const RuntimeFailureCode = {
  /** The broker did not take a result (rejected it, or the producer could not be created). */
  PublishFailed: 'publish-failed',
  /** The script routed a message to something that is not a topic name. */
  InvalidTopic: 'invalid-topic',
  /** Effectively-once: the message's outputs do not fit the sequence-id layout (sequence.ts); never succeeds. */
  SequenceIdRange: 'sequence-id-range',
} as const;
export type RuntimeFailureCode = (typeof RuntimeFailureCode)[keyof typeof RuntimeFailureCode];

export interface Failure {
  readonly code: FailureCode | RuntimeFailureCode;
  /** One line. */
  readonly reason: string;
  /** The script's fault (Pulsar's "user exception"); otherwise the runtime's ("system exception"). */
  readonly userError: boolean;
  /** Dead-letter now, skipping the retries. */
  readonly permanent: boolean;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: string;
}

export function scriptFailure(result: InvocationResult): Failure {
  return {
    code: result.failureCode ?? 'exit-code',
    reason: result.reason ?? `the script exited with code ${result.exitCode}`,
    userError: true,
    permanent: result.outcome === Outcome.PermanentFailure,
    exitCode: result.exitCode,
    signal: result.signal,
    stderrTail: result.stderrTail,
  };
}

export function routingFailure(result: InvocationResult, error: RoutingError): Failure {
  return {
    code: RuntimeFailureCode.InvalidTopic,
    reason: error.message,
    userError: true,
    permanent: false,
    exitCode: result.exitCode,
    signal: result.signal,
    stderrTail: result.stderrTail,
  };
}

export function publishFailure(result: InvocationResult | undefined, topic: string, error: unknown): Failure {
  const detail = error instanceof Error ? error.message : String(error);
  // The ids derive from the input message alone: every retry would fail the same way.
  const outOfRange = error instanceof Error && error.cause instanceof SequenceIdRangeError;
  return {
    code: outOfRange ? RuntimeFailureCode.SequenceIdRange : RuntimeFailureCode.PublishFailed,
    reason: `publishing to ${topic} failed: ${detail}`,
    userError: false,
    permanent: outOfRange,
    exitCode: result?.exitCode,
    signal: result?.signal,
    stderrTail: result?.stderrTail ?? '',
  };
}
