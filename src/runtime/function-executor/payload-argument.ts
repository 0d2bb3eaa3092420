// The compatibility switch payloadAsArgument: the payload also becomes `$1`. An argument is a C string the
// kernel copies on exec, and Node passes arguments as UTF-8 text, so not every payload can be one.
import { MAX_ARG_STRLEN } from './environment.ts';

// fatal: a payload that is not UTF-8 cannot be passed byte-exact; ignoreBOM: a leading BOM is part of it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Largest payload `$1` can hold: MAX_ARG_STRLEN minus the terminating NUL. */
export const MAX_ARGUMENT_PAYLOAD_BYTES = MAX_ARG_STRLEN - 1;

export type PayloadArgument = { readonly argument: string } | { readonly problem: string };

export function payloadArgument(payload: Uint8Array): PayloadArgument {
  if (payload.byteLength > MAX_ARGUMENT_PAYLOAD_BYTES) {
    return {
      problem: `the payload is ${payload.byteLength} bytes; as $1 it can be at most ${MAX_ARGUMENT_PAYLOAD_BYTES} (Linux MAX_ARG_STRLEN)`,
    };
  }
  if (payload.includes(0)) return { problem: 'the payload contains a NUL byte, which $1 cannot hold' };
  try {
    return { argument: utf8.decode(payload) };
  } catch {
    return { problem: 'the payload is not valid UTF-8, so $1 could not carry it byte-exact' };
  }
}
