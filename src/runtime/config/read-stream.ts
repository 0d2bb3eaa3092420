// Stream mode's settings (PF_STREAM_*), and the exec-only settings that stream mode cannot honour.
import { DEFAULTS } from './defaults.ts';
import type { Settings } from './settings.ts';
import { ExecutionMode, StreamCodec, type StreamConfig } from './types.ts';
import { parseEnum, parseInteger } from './values.ts';

const CODECS = Object.values(StreamCodec);
const STREAM_VARIABLES = [
  'PF_STREAM_CODEC',
  'PF_STREAM_PIPELINE',
  'PF_STREAM_RESTART_BACKOFF_MS',
  'PF_STREAM_RESTART_BACKOFF_MAX_MS',
] as const;
/** A bound that keeps a typo (16000) from holding thousands of messages in one process. */
export const MAX_STREAM_PIPELINE = 1024;
// Node timers fire at once beyond this.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The stream settings in stream mode, null in exec mode (undefined, with problems, when one is bad). */
export function readStream(
  s: Settings,
  mode: ExecutionMode | undefined,
  payloadAsArgument: boolean | undefined,
): StreamConfig | null | undefined {
  if (mode !== ExecutionMode.Stream) {
    if (mode === ExecutionMode.Exec) {
      for (const name of STREAM_VARIABLES) {
        if (s.isSet(name)) s.warn(name, `ignored: it applies only with PF_MODE=stream`);
      }
    }
    return mode === undefined ? undefined : null;
  }
  const codec = s.value('PF_STREAM_CODEC', (t) => parseEnum(t, CODECS), DEFAULTS.streamCodec);
  const pipeline = s.value(
    'PF_STREAM_PIPELINE',
    (t) => parseInteger(t, 1, MAX_STREAM_PIPELINE),
    DEFAULTS.streamPipeline,
  );
  const backoff = s.value(
    'PF_STREAM_RESTART_BACKOFF_MS',
    (t) => parseInteger(t, 1, MAX_DELAY_MS),
    DEFAULTS.streamRestartBackoffMs,
  );
  const backoffMax = s.value(
    'PF_STREAM_RESTART_BACKOFF_MAX_MS',
    (t) => parseInteger(t, 1, MAX_DELAY_MS),
    Math.max(DEFAULTS.streamRestartBackoffMaxMs, backoff ?? 0),
  );
  if (payloadAsArgument === true) {
    s.problem(
      'PF_SCRIPT_ARGV_PAYLOAD',
      'expected false with PF_MODE=stream: a running script cannot be given a new $1 per message',
    );
  }
  if (codec === undefined || pipeline === undefined || backoff === undefined || backoffMax === undefined) {
    return undefined;
  }
  if (backoffMax < backoff) {
    s.problem(
      'PF_STREAM_RESTART_BACKOFF_MAX_MS',
      `expected at least ${s.reference('PF_STREAM_RESTART_BACKOFF_MS', backoff)}`,
    );
    return undefined;
  }
  return { codec, pipeline, restartBackoffMs: backoff, restartBackoffMaxMs: backoffMax };
}
