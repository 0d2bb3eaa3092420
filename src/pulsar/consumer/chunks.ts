// Reassembly of chunked messages for one partition consumer. Chunks of a message share a uuid and arrive in
// chunk_id order on one partition; the joined payload is decompressed only once complete. Duplicate and stray
// chunks are handled as the Java and Go clients do (ConsumerImpl.processMessageChunk):
//  - a second copy of a chunk (same chunk_id, another entry) is acknowledged, since it will never be
//    delivered; the same entry again (a redelivery) is simply ignored;
//  - chunk_id 0 again restarts the message; when the earlier partial copy lives in other entries it is a
//    corrupted copy whose chunks are acknowledged (no ack hole), otherwise it was a redelivery;
//  - a chunk out of order (a lost first chunk, a gap) drops the partial message without acknowledging
//    anything, as acking could lose the message for good (Go's default, autoAckIncompleteChunk=false);
//  - beyond maxPendingChunkedMessages partial messages, the oldest is dropped, again without acking (Java's
//    default, autoAckOldestChunkedMessageOnQueueFull=false).
// A dropped partial message's chunks (and the chunk that made us drop it) are handed back for redelivery,
// as a nack would: left alone they would stay unacknowledged until a reconnect, and a later cumulative ack
// would acknowledge them without the message ever being delivered. No timer expires partial messages: a
// slow application must not make a message expire.
import type { PulsarMessageId } from '../message-id.ts';
import type { Logger } from '../util/index.ts';

/** The chunk fields of a message's metadata. */
export interface ChunkInfo {
  readonly uuid: string;
  readonly chunkId: number;
  readonly numChunks: number;
  readonly totalSize: number;
}

export type ChunkResult =
  /** Kept; the message is not complete yet. */
  | { readonly kind: 'pending' }
  /** The last chunk arrived: the joined (still compressed) payload and every chunk's id, in order. */
  | { readonly kind: 'complete'; readonly payload: Buffer; readonly chunkIds: readonly PulsarMessageId[] }
  /** Not kept (duplicate, out of order, malformed). */
  | { readonly kind: 'dropped' };

export interface ChunkOutcome {
  readonly result: ChunkResult;
  /** Chunks to acknowledge now: copies that will never be delivered. */
  readonly ack: readonly PulsarMessageId[];
  /** Chunks of dropped partial messages, to ask the broker for again (after the nack delay). */
  readonly redeliver: readonly PulsarMessageId[];
}

interface Partial {
  readonly numChunks: number;
  readonly totalSize: number;
  readonly ids: PulsarMessageId[];
  readonly parts: Buffer[];
  size: number;
}

function sameEntry(a: PulsarMessageId, b: PulsarMessageId): boolean {
  return a.ledgerId === b.ledgerId && a.entryId === b.entryId;
}

export class ChunkAssembler {
  // A Map iterates in insertion order: its first key is the oldest partial message.
  readonly #partials = new Map<string, Partial>();
  readonly #maxPending: number;
  readonly #logger: Logger;

  constructor(maxPending: number, logger: Logger) {
    this.#maxPending = maxPending;
    this.#logger = logger;
  }

  get pendingMessages(): number {
    return this.#partials.size;
  }

  add(info: ChunkInfo, id: PulsarMessageId, payload: Uint8Array): ChunkOutcome {
    const { uuid, chunkId, numChunks, totalSize } = info;
    if (numChunks < 2 || chunkId < 0 || chunkId >= numChunks || totalSize < 0) {
      this.#logger.error(
        { uuid, chunkId, numChunks, totalSize, messageId: id.toString() },
        'malformed chunk: dropped, to be redelivered',
      );
      return { result: { kind: 'dropped' }, ack: [], redeliver: [id] };
    }
    let ack: PulsarMessageId[] = [];
    // Partials evicted to make room for this one.
    let redeliver: PulsarMessageId[] = [];
    let partial = this.#partials.get(uuid);

    if (chunkId === 0) {
      if (partial !== undefined) {
        const redelivered = partial.ids.some((seen) => sameEntry(seen, id));
        if (!redelivered) ack = [...partial.ids];
        this.#logger.warn(
          { uuid, messageId: id.toString(), redelivered },
          'chunk 0 again: restarting the chunked message',
        );
        this.#partials.delete(uuid);
      }
      redeliver = this.#evictIfFull();
      partial = { numChunks, totalSize, ids: [], parts: [], size: 0 };
      this.#partials.set(uuid, partial);
    }

    if (partial === undefined || chunkId !== partial.ids.length) {
      if (partial !== undefined && chunkId < partial.ids.length) {
        const redelivered = partial.ids.some((seen) => sameEntry(seen, id));
        this.#logger.warn({ uuid, chunkId, messageId: id.toString(), redelivered }, 'duplicate chunk');
        return { result: { kind: 'dropped' }, ack: redelivered ? ack : [...ack, id], redeliver };
      }
      this.#logger.warn(
        { uuid, chunkId, expected: partial?.ids.length ?? 0, messageId: id.toString() },
        'chunk out of order: dropping the partial message, its chunks to be redelivered',
      );
      this.#partials.delete(uuid);
      return { result: { kind: 'dropped' }, ack, redeliver: [...redeliver, ...(partial?.ids ?? []), id] };
    }

    if (numChunks !== partial.numChunks || partial.size + payload.length > partial.totalSize) {
      this.#logger.error(
        { uuid, chunkId, numChunks, totalSize: partial.totalSize, messageId: id.toString() },
        'chunk does not fit its message: dropping the partial message, its chunks to be redelivered',
      );
      this.#partials.delete(uuid);
      return { result: { kind: 'dropped' }, ack, redeliver: [...redeliver, ...partial.ids, id] };
    }

    partial.ids.push(id);
    partial.parts.push(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    partial.size += payload.length;
    if (chunkId < numChunks - 1) return { result: { kind: 'pending' }, ack, redeliver };

    this.#partials.delete(uuid);
    if (partial.size !== partial.totalSize) {
      this.#logger.error(
        { uuid, size: partial.size, totalSize: partial.totalSize, messageId: id.toString() },
        'chunked message shorter than announced: dropped, its chunks to be redelivered',
      );
      return { result: { kind: 'dropped' }, ack, redeliver: [...redeliver, ...partial.ids] };
    }
    const joined = Buffer.concat(partial.parts, partial.size);
    return { result: { kind: 'complete', payload: joined, chunkIds: partial.ids }, ack, redeliver };
  }

  /** Forgets every partial message (resubscribe: the broker sends the unacknowledged chunks again). */
  clear(): void {
    this.#partials.clear();
  }

  /** Drops the oldest partial messages until there is room for one more; returns their chunks. */
  #evictIfFull(): PulsarMessageId[] {
    const evicted: PulsarMessageId[] = [];
    while (this.#partials.size >= this.#maxPending) {
      const oldest = this.#partials.keys().next();
      if (oldest.done === true) break;
      const dropped = this.#partials.get(oldest.value);
      this.#partials.delete(oldest.value);
      if (dropped !== undefined) evicted.push(...dropped.ids);
      this.#logger.warn(
        { uuid: oldest.value, chunks: dropped?.ids.length, maxPendingChunkedMessages: this.#maxPending },
        'too many partial chunked messages: dropping the oldest, its chunks to be redelivered',
      );
    }
    return evicted;
  }
}
