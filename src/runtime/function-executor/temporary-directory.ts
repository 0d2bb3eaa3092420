// Removes a run's private TMPDIR without ever throwing: what a script leaves there (even a directory it made
// unremovable, `chmod 555`) must not crash the instance, whose run results stand either way.
import { rmdirSync, rmSync } from 'node:fs';

/** Removes `dir` and all in it; throws like fs.rmSync. Passed in so that tests can make removal fail. */
export type RemoveDirectory = (dir: string) => void;

export const removeDirectoryTree: RemoveDirectory = (dir) => {
  try {
    // One rmdir when the script left nothing behind (the usual case); a recursive removal otherwise.
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Removes `dir`; the error when that failed (the directory is then left for the system's tmp cleaning). */
export function removeTemporaryDirectory(
  dir: string,
  remove: RemoveDirectory = removeDirectoryTree,
): Error | undefined {
  try {
    remove(dir);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
