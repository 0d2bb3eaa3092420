// Token authentication (the broker's AuthenticationProviderToken): the token goes in CONNECT and in every
// AUTH_RESPONSE. It is fetched again on every connect and challenge, so a file or a supplier can rotate it.
import { readFile } from 'node:fs/promises';
import { AuthenticationError, InvalidArgumentError } from './errors.ts';
import type { Authentication } from './types.ts';

type TokenSource = () => Promise<string>;

const encoder = new TextEncoder();

export class AuthenticationToken implements Authentication {
  readonly methodName = 'token';
  readonly #source: TokenSource;
  readonly #describe: string;

  private constructor(source: TokenSource, describe: string) {
    this.#source = source;
    this.#describe = describe;
  }

  /** A fixed token. */
  static fromToken(token: string): AuthenticationToken {
    if (typeof token !== 'string' || token.trim().length === 0) {
      throw new InvalidArgumentError('token', 'expected a non-empty string');
    }
    const trimmed = token.trim();
    return new AuthenticationToken(async () => trimmed, 'token');
  }

  /** A file holding the token (a `file://` prefix is accepted); read on every connect. */
  static fromFile(path: string): AuthenticationToken {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError('tokenFile', 'expected a file path');
    }
    const filePath = path.startsWith('file://') ? path.slice('file://'.length) : path;
    return new AuthenticationToken(
      async () => (await readFile(filePath, 'utf8')).trim(),
      `token file ${filePath}`,
    );
  }

  /** A function returning the current token; called on every connect. */
  static fromSupplier(supplier: () => string | Promise<string>): AuthenticationToken {
    if (typeof supplier !== 'function')
      throw new InvalidArgumentError('tokenSupplier', 'expected a function');
    return new AuthenticationToken(async () => (await supplier()).trim(), 'token supplier');
  }

  /**
   * The current token. Failing to get one is retriable: a file caught mid-rotation (missing, or empty between
   * truncate and write), a secret mounted late, a supplier whose backend hiccups — the next connect may work.
   */
  async getAuthData(): Promise<Uint8Array> {
    let token: string;
    try {
      token = await this.#source();
    } catch (cause) {
      throw new AuthenticationError(`cannot read the token from the ${this.#describe}`, {
        cause,
        retriable: true,
      });
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw new AuthenticationError(`the ${this.#describe} gave an empty token`, { retriable: true });
    }
    return encoder.encode(token);
  }
}
