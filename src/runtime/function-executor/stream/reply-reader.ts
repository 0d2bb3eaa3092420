// Cuts a stream-mode script's stdout into replies and control frames. A byte-level state machine that never
// touches a process: fed chunks as they arrive (cut anywhere), tested on its own.
//
// The grammar (docs/script-contract.md, "Stream mode"):
//
//   length-prefixed codec:   stream = *frame
//   lines codec:             stream = *( line / NUL frame )
//
//   frame  = word SP size LF data      ; data is exactly `size` bytes, any values
//   word   = "ok"                      ; the output (size 0: no output message)
//          / "fail"                    ; a retriable failure; data is the reason (text)
//          / "fail-permanent"          ; dead-letter now; data is the reason
//          / "ctl"                     ; control records (the fd-3 grammar of exec mode) for the message
//                                      ; being answered; any number of them may precede its reply
//   size   = "0" / %x31-39 *DIGIT      ; decimal, no sign, no leading zero
//   line   = *( any byte but LF ) LF   ; lines codec only, first byte not NUL: the output (empty: none)
//
// Example (length-prefixed): `ctl 23\n12:output-topic,2:t1,\nok 3\nabc` routes the output `abc` to t1.
import { Buffer } from 'node:buffer';

export const ReplyStatus = { Ok: 'ok', Fail: 'fail', FailPermanent: 'fail-permanent' } as const;
export type ReplyStatus = (typeof ReplyStatus)[keyof typeof ReplyStatus];

export type ReplyEvent =
  | { readonly kind: 'reply'; readonly status: ReplyStatus; readonly data: Uint8Array }
  | { readonly kind: 'control'; readonly data: Uint8Array }
  /** A frame (or line) over its limit: its bytes were skipped, the stream stays in step. */
  | { readonly kind: 'too-large'; readonly frame: ReplyStatus | 'ctl'; readonly size: number };

/** The stream broke the grammar: nothing after this point can be matched to a message. */
export class StreamProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamProtocolError';
  }
}

export interface ReplyLimits {
  /** Largest `ok` data (and lines-codec line). */
  readonly maxOutputBytes: number;
  /** Largest `ctl` data. */
  readonly maxControlBytes: number;
  /** Largest `fail` reason kept; longer ones are cut, not refused. */
  readonly maxReasonBytes: number;
}

const State = { Start: 0, Header: 1, Data: 2, Line: 3 } as const;
type State = (typeof State)[keyof typeof State];

const LF = 0x0a;
const NUL = 0x00;
// "fail-permanent 9007199254740991" is 31 bytes; anything much longer is not a header.
const MAX_HEADER_BYTES = 40;
const WORDS: ReadonlySet<string> = new Set(['ok', 'fail', 'fail-permanent', 'ctl']);
// At most 15 digits: every such size is a safe integer.
const SIZE = /^(0|[1-9][0-9]{0,14})$/;

export class ReplyReader {
  readonly #lines: boolean;
  readonly #limits: ReplyLimits;
  #state: State = State.Start;
  #header: number[] = [];
  #frame: ReplyStatus | 'ctl' = 'ok';
  #size = 0;
  #remaining = 0;
  /** Data kept (or, when the frame is over its limit, undefined: skipped). */
  #parts: Uint8Array[] | undefined = [];
  #kept = 0;
  #keep = 0;
  #lineSize = 0;
  #replies = 0;

  constructor(codec: 'lines' | 'length-prefixed', limits: ReplyLimits) {
    this.#lines = codec === 'lines';
    this.#limits = limits;
  }

  /** Feeds a chunk; returns the events it completed. Throws StreamProtocolError. */
  push(chunk: Uint8Array): ReplyEvent[] {
    const events: ReplyEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case State.Start: {
          if (this.#lines && chunk[i] !== NUL) {
            this.#startLine();
          } else {
            if (this.#lines) i++; // the NUL that introduces a frame
            this.#header = [];
            this.#state = State.Header;
          }
          break;
        }
        case State.Header: {
          const byte = chunk[i]!;
          i++;
          if (byte !== LF) {
            if (this.#header.length >= MAX_HEADER_BYTES)
              this.#fail('a frame header longer than a header can be');
            this.#header.push(byte);
            break;
          }
          const done = this.#startFrame();
          if (done !== undefined) events.push(done);
          break;
        }
        case State.Data: {
          const take = Math.min(this.#remaining, chunk.length - i);
          this.#collect(chunk.subarray(i, i + take));
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) events.push(this.#endFrame());
          break;
        }
        case State.Line: {
          const newline = chunk.indexOf(LF, i);
          const end = newline === -1 ? chunk.length : newline;
          this.#lineSize += end - i;
          if (this.#lineSize > this.#limits.maxOutputBytes) this.#parts = undefined;
          else this.#parts!.push(chunk.subarray(i, end));
          i = end;
          if (newline !== -1) {
            i++;
            events.push(this.#endLine());
          }
          break;
        }
      }
    }
    return events;
  }

  /** Replies completed so far (lines and reply frames, not control frames). */
  get replies(): number {
    return this.#replies;
  }

  /** True between frames: the stream could end here without cutting a reply. */
  get atBoundary(): boolean {
    return this.#state === State.Start;
  }

  #startLine(): void {
    this.#state = State.Line;
    this.#parts = [];
    this.#lineSize = 0;
  }

  #endLine(): ReplyEvent {
    this.#state = State.Start;
    this.#replies++;
    const parts = this.#parts;
    if (parts === undefined) return { kind: 'too-large', frame: ReplyStatus.Ok, size: this.#lineSize };
    return { kind: 'reply', status: ReplyStatus.Ok, data: join(parts) };
  }

  /** Parses the header; returns the event when the frame has no data. */
  #startFrame(): ReplyEvent | undefined {
    const text = Buffer.from(this.#header).toString('latin1');
    const space = text.indexOf(' ');
    const word = space === -1 ? text : text.slice(0, space);
    const sizeText = space === -1 ? '' : text.slice(space + 1);
    if (!WORDS.has(word)) {
      this.#fail(`expected a frame header (ok, fail, fail-permanent or ctl and a size), got ${quote(text)}`);
    }
    if (!SIZE.test(sizeText)) this.#fail(`expected a size after '${word}', got ${quote(sizeText)}`);
    this.#frame = word as ReplyStatus | 'ctl';
    this.#size = Number(sizeText);
    this.#remaining = this.#size;
    this.#kept = 0;
    const limit =
      word === 'ok'
        ? this.#limits.maxOutputBytes
        : word === 'ctl'
          ? this.#limits.maxControlBytes
          : Number.MAX_SAFE_INTEGER;
    this.#keep = word === 'fail' || word === 'fail-permanent' ? this.#limits.maxReasonBytes : this.#size;
    this.#parts = this.#size > limit ? undefined : [];
    if (this.#size === 0) return this.#endFrame();
    this.#state = State.Data;
    return undefined;
  }

  #collect(bytes: Uint8Array): void {
    if (this.#parts === undefined || this.#kept >= this.#keep) return;
    const piece = bytes.subarray(0, this.#keep - this.#kept);
    this.#parts.push(piece);
    this.#kept += piece.length;
  }

  #endFrame(): ReplyEvent {
    this.#state = State.Start;
    const frame = this.#frame;
    if (frame !== 'ctl') this.#replies++;
    const parts = this.#parts;
    if (parts === undefined) return { kind: 'too-large', frame, size: this.#size };
    const data = join(parts);
    return frame === 'ctl' ? { kind: 'control', data } : { kind: 'reply', status: frame, data };
  }

  #fail(message: string): never {
    throw new StreamProtocolError(`reply ${this.#replies + 1}: ${message}`);
  }
}

/**
 * One buffer for the pieces. A single piece is returned as it is: a view of a chunk the pipe handed over and
 * never reuses, so the common one-chunk reply costs no copy.
 */
function join(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return parts.length === 0 ? new Uint8Array(0) : Buffer.concat(parts);
}

function quote(text: string): string {
  const shown = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  return JSON.stringify(shown);
}
