// Splits the script's stderr into lines for the log topic and keeps a short tail for the result. Memory stays
// bounded whatever the script prints: one partial line (at most maxLineBytes) and the tail's few lines.
import { Buffer } from 'node:buffer';

export interface StderrLinesOptions {
  readonly tailLines: number;
  readonly tailBytes: number;
  readonly maxLineBytes: number;
  readonly maxForwarded: number;
  readonly onLine: ((line: string) => void) | undefined;
}

const LF = 0x0a;

export class StderrLines {
  readonly #options: StderrLinesOptions;
  #partial: Uint8Array[] = [];
  #partialSize = 0;
  readonly #tail: string[] = [];
  #forwarded = 0;

  constructor(options: StderrLinesOptions) {
    this.#options = options;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      this.#append(chunk.subarray(start, end));
      if (newline === -1) break;
      this.#flush();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.#partialSize > 0) this.#flush();
  }

  /** The last lines, at most tailLines of them and tailBytes in all (cut at the front, marked with `…`). */
  tail(): string {
    const joined = Buffer.from(this.#tail.join('\n'), 'utf8');
    if (joined.length <= this.#options.tailBytes) return joined.toString('utf8');
    let from = joined.length - this.#options.tailBytes;
    // Start on a character boundary: skip UTF-8 continuation bytes.
    while (from < joined.length && (joined[from]! & 0xc0) === 0x80) from++;
    return `…${joined.subarray(from).toString('utf8')}`;
  }

  #append(bytes: Uint8Array): void {
    let rest = bytes;
    // A line longer than maxLineBytes is cut into pieces, each handled as a line.
    while (this.#partialSize + rest.length > this.#options.maxLineBytes) {
      const room = this.#options.maxLineBytes - this.#partialSize;
      this.#partial.push(rest.subarray(0, room));
      this.#partialSize += room;
      this.#flush();
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.#partial.push(rest);
      this.#partialSize += rest.length;
    }
  }

  #flush(): void {
    let line = Buffer.concat(this.#partial).toString('utf8');
    this.#partial = [];
    this.#partialSize = 0;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.#options.tailLines > 0) {
      this.#tail.push(line);
      if (this.#tail.length > this.#options.tailLines) this.#tail.shift();
    }
    this.#forward(line);
  }

  #forward(line: string): void {
    const { onLine, maxForwarded } = this.#options;
    if (onLine === undefined) return;
    this.#forwarded++;
    if (this.#forwarded > maxForwarded + 1) return;
    const text =
      this.#forwarded <= maxForwarded
        ? line
        : `[pf-bash] more than ${maxForwarded} stderr lines in this run: the rest are not forwarded`;
    try {
      onLine(text);
    } catch {
      // A failing log sink must not fail the message.
    }
  }
}
