// Removes a run's private TMPDIR without ever throwing: what a script leaves there (even a directory it made
// unremovable, `chmod 555`) must not crash the instance, whose run results stand either way.
import { mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

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

/**
 * Exec mode's private TMPDIRs: one per run, each empty when handed out. A directory a run left empty and as
 * it was made is handed to a later run instead of being removed and made again: on ext4 that pair cost
 * 0.2–0.6 ms per message (journal, discard), a quarter of a whole run (docs/benchmarks.md).
 */
export class TemporaryDirectories {
  readonly #root: string;
  readonly #remove: RemoveDirectory;
  readonly #free: string[] = [];
  #closed = false;
  #hooked = false;
  // Also removed when the runtime exits without closing the executor.
  readonly #onExit = () => this.clear();

  constructor(root: string, remove: RemoveDirectory = removeDirectoryTree) {
    this.#root = root;
    this.#remove = remove;
  }

  /** An empty directory, private to the caller until given back. Throws like fs.mkdtempSync. */
  take(): string {
    return this.#free.pop() ?? mkdtempSync(path.join(this.#root, 'pf-bash-'));
  }

  /**
   * Takes a directory back. Kept for another run only when `reusable` (nothing that escaped the run may still
   * write there) and the run left it empty with the mode it was made with; removed otherwise.
   */
  give(dir: string, reusable: boolean): Error | undefined {
    if (reusable && !this.#closed && isEmptyPrivateDirectory(dir)) {
      if (!this.#hooked) {
        this.#hooked = true;
        process.once('exit', this.#onExit);
      }
      this.#free.push(dir);
      return undefined;
    }
    return removeTemporaryDirectory(dir, this.#remove);
  }

  /** Removes the directories kept for later runs; from now on every directory given back is removed. */
  clear(): void {
    this.#closed = true;
    if (this.#hooked) process.removeListener('exit', this.#onExit);
    for (const dir of this.#free.splice(0)) removeTemporaryDirectory(dir, this.#remove);
  }
}

function isEmptyPrivateDirectory(dir: string): boolean {
  try {
    const stat = statSync(dir);
    return stat.isDirectory() && (stat.mode & 0o7777) === 0o700 && readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}
