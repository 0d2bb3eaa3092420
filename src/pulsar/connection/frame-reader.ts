// Cuts the inbound byte stream into frames; knows nothing of sockets or of what a frame holds. Each frame is
// `[totalSize u32][totalSize bytes]`; push() returns the bytes after the size prefix, ready for decodeFrame.
import { ProtocolError } from '../errors.ts';

/** Smallest valid totalSize: a frame holds at least the 4-byte command size. */
const MIN_FRAME_SIZE = 4;

export class FrameReader {
  #maxFrameSize: number;
  // Size prefix split across chunks: the bytes seen so far.
  readonly #header = new Uint8Array(4);
  #headerFilled = 0;
  // Frame split across chunks: assembled here, allocated once its size is known.
  #body: Buffer | undefined;
  #bodyFilled = 0;

  /** `maxFrameSize` bounds totalSize (max message size + padding for the command and metadata). */
  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** CONNECTED tells the broker's max message size; later frames are checked against the new bound. */
  setMaxFrameSize(maxFrameSize: number): void {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Bytes held for a frame that is not complete yet. */
  get bufferedBytes(): number {
    return this.#body === undefined ? this.#headerFilled : 4 + this.#bodyFilled;
  }

  /**
   * Takes the next chunk of the stream and returns the frames it completes, in order. Frames that lie whole
   * inside `chunk` are views into it (no copy), so the caller must not reuse the chunk's memory; a frame that
   * spans chunks is copied once into its own buffer. Throws ProtocolError on a size below 4 or above the
   * bound; the stream is then unusable and the connection must be closed.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.#body !== undefined) {
        at = this.#fillBody(chunk, at, frames);
      } else if (this.#headerFilled === 0 && end - at >= 4) {
        // Fast path: the size prefix is whole in this chunk.
        const size = this.#checkSize(readU32(chunk, at));
        at += 4;
        if (end - at >= size) {
          frames.push(chunk.subarray(at, at + size));
          at += size;
        } else {
          this.#startBody(size);
        }
      } else {
        this.#header[this.#headerFilled++] = chunk[at++]!;
        if (this.#headerFilled === 4) {
          this.#headerFilled = 0;
          this.#startBody(this.#checkSize(readU32(this.#header, 0)));
        }
      }
    }
    return frames;
  }

  #startBody(size: number): void {
    this.#body = Buffer.allocUnsafe(size);
    this.#bodyFilled = 0;
  }

  #fillBody(chunk: Uint8Array, at: number, frames: Uint8Array[]): number {
    const body = this.#body!;
    const take = Math.min(body.length - this.#bodyFilled, chunk.length - at);
    body.set(chunk.subarray(at, at + take), this.#bodyFilled);
    this.#bodyFilled += take;
    if (this.#bodyFilled === body.length) {
      frames.push(body);
      this.#body = undefined;
    }
    return at + take;
  }

  #checkSize(size: number): number {
    if (size < MIN_FRAME_SIZE) throw new ProtocolError(`frame size ${size} is below ${MIN_FRAME_SIZE}`);
    if (size > this.#maxFrameSize) {
      throw new ProtocolError(`frame size ${size} exceeds the maximum ${this.#maxFrameSize}`);
    }
    return size;
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
