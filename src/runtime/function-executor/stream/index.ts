// Stream mode: long-lived script processes answering framed messages. Everything the runtime may import from here.

export { STREAM_HELPER_LIBRARY_PATH } from '../helper-library.ts';
export type { StreamProcessEvent } from './events.ts';
export { lengthPrefixedFrame, linesFrame, percentEncode } from './message-frames.ts';
export { StreamCodec, type StreamExecutorOptions } from './options.ts';
export { type ReplyEvent, ReplyReader, ReplyStatus, StreamProtocolError } from './reply-reader.ts';
export { createStreamExecutor, MAX_REQUEUES, StreamExecutor } from './stream-executor.ts';
