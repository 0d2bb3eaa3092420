// A command's streams captured in memory, for the CLI's unit tests.
import { Readable } from 'node:stream';
import type { CliIo } from '../../../src/cli/args.ts';

export class Capture {
  readonly chunks: Buffer[] = [];

  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return true;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString('utf8');
  }
}

export interface FakeIo extends CliIo {
  readonly stdout: Capture;
  readonly stderr: Capture;
}

export interface FakeIoOptions {
  readonly env?: Record<string, string>;
  /** What stdin holds; undefined: a terminal (isTTY), nothing piped. */
  readonly stdin?: string | Buffer;
}

/** Streams in memory and an environment with nothing but what the test gives (no PF_ variables of this shell). */
export function fakeIo(options: FakeIoOptions = {}): FakeIo {
  const stdin =
    options.stdin === undefined
      ? Object.assign(Readable.from([]), { isTTY: true })
      : Readable.from([Buffer.from(options.stdin)]);
  return {
    stdout: new Capture(),
    stderr: new Capture(),
    stdin,
    env: options.env ?? {},
    onInterrupt: () => () => {},
  };
}
