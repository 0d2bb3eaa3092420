// Collects a stream's bytes up to a limit, so a script cannot make the runtime buffer without bound.
import { Buffer } from 'node:buffer';

export class BoundedBuffer {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #overflowed = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds a chunk; false once the total went over the limit (later chunks are dropped). */
  push(chunk: Uint8Array): boolean {
    if (this.#overflowed) return false;
    this.#size += chunk.byteLength;
    if (this.#size > this.#limit) {
      this.#overflowed = true;
      this.#chunks = [];
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Bytes seen so far, including dropped ones. */
  get size(): number {
    return this.#size;
  }

  bytes(): Uint8Array {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
  }
}
