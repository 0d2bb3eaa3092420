// The one impure piece: reading files from disk for loadConfig, kept out of it so that it stays a pure function.
import { readFileSync } from 'node:fs';
import type { ReadFile } from './types.ts';

/** UTF-8 content of a file; undefined when it is missing, a directory or not readable. */
export const readFileOrUndefined: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
