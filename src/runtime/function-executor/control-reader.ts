// Cuts the control channel's byte stream into records. A byte-level state machine that never touches a
// process: fed chunks as they arrive (cut anywhere), tested on its own.
//
// The channel's grammar (written by scripts/lib/pf-function.sh from pure bash, any bytes allowed in fields):
//
//   stream = *record
//   record = field *field LF        ; the first field names the record kind; LF ends the record
//   field  = length ":" bytes ","   ; a netstring: length is the decimal count of bytes, no sign,
//                                   ; no leading zero (an empty field is "0:,"), at most maxFieldBytes
//
// Example: the record ("output-topic", "t1") is `12:output-topic,2:t1,\n`.
import { Buffer } from 'node:buffer';

/** The control channel broke the grammar, or a record means nothing valid. */
export class ControlProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlProtocolError';
  }
}

const State = { FieldOrEnd: 0, Length: 1, Data: 2, Comma: 3 } as const;
type State = (typeof State)[keyof typeof State];

const LF = 0x0a;
const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;
// 2^53 has 16 digits; a longer length is malformed before it is compared with the limit.
const MAX_LENGTH_DIGITS = 15;

export class ControlRecordReader {
  readonly #maxFieldBytes: number;
  #state: State = State.FieldOrEnd;
  #fields: Uint8Array[] = [];
  #length = 0;
  #digits = 0;
  #parts: Uint8Array[] = [];
  #remaining = 0;
  #record = 1;

  constructor(maxFieldBytes: number) {
    this.#maxFieldBytes = maxFieldBytes;
  }

  /** Feeds a chunk; returns the records it completed, each a list of fields. Throws ControlProtocolError. */
  push(chunk: Uint8Array): Uint8Array[][] {
    const records: Uint8Array[][] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case State.Data: {
          const take = Math.min(this.#remaining, chunk.length - i);
          this.#parts.push(chunk.subarray(i, i + take));
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) {
            // Copy: the chunk may be a view the stream reuses.
            this.#fields.push(Buffer.concat(this.#parts));
            this.#parts = [];
            this.#state = State.Comma;
          }
          break;
        }
        case State.Comma: {
          if (chunk[i] !== COMMA)
            this.#fail(`expected ',' after a field's bytes, got ${describe(chunk[i]!)}`);
          i++;
          this.#state = State.FieldOrEnd;
          break;
        }
        case State.FieldOrEnd: {
          const byte = chunk[i]!;
          if (byte === LF) {
            if (this.#fields.length === 0)
              this.#fail('empty record (a line feed where a record kind belongs)');
            records.push(this.#fields);
            this.#fields = [];
            this.#record++;
            i++;
            break;
          }
          if (byte < ZERO || byte > NINE)
            this.#fail(`expected a field length or a line feed, got ${describe(byte)}`);
          this.#length = 0;
          this.#digits = 0;
          this.#state = State.Length;
          break;
        }
        case State.Length: {
          const byte = chunk[i]!;
          i++;
          if (byte === COLON) {
            if (this.#digits === 0) this.#fail("expected a field length before ':'");
            this.#startData();
            break;
          }
          if (byte < ZERO || byte > NINE)
            this.#fail(`expected a digit or ':' in a field length, got ${describe(byte)}`);
          if (this.#digits === 1 && this.#length === 0) this.#fail('field length with a leading zero');
          this.#digits++;
          if (this.#digits > MAX_LENGTH_DIGITS) this.#fail('field length has too many digits');
          this.#length = this.#length * 10 + (byte - ZERO);
          break;
        }
      }
    }
    return records;
  }

  /** The stream ended; throws when it ended inside a record. */
  end(): void {
    if (this.#state !== State.FieldOrEnd || this.#fields.length > 0) {
      this.#fail('the channel ended inside a record (a record ends with a line feed)');
    }
  }

  #startData(): void {
    if (this.#length > this.#maxFieldBytes) {
      this.#fail(`a field of ${this.#length} bytes exceeds the limit of ${this.#maxFieldBytes}`);
    }
    this.#remaining = this.#length;
    if (this.#length === 0) {
      this.#fields.push(new Uint8Array(0));
      this.#state = State.Comma;
    } else {
      this.#state = State.Data;
    }
  }

  #fail(message: string): never {
    throw new ControlProtocolError(`record ${this.#record}: ${message}`);
  }
}

function describe(byte: number): string {
  return byte >= 0x21 && byte <= 0x7e
    ? `'${String.fromCharCode(byte)}'`
    : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
