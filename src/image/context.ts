// The build context as a tar stream, assembled straight from the pf-bash package and the script's directory
// (no temporary copy): first every entry is listed, so that a missing file fails before anything is sent, then
// the files are streamed one by one.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type Headers, type Pack, pack } from 'tar-stream';
import type { ContextEntry } from './dockerfile.ts';

/** Where a ContextEntry's `from` points on this machine. */
export interface ContextRoots {
  readonly runtime: string;
  readonly function: string;
}

type ContextItem =
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly source: string;
      readonly size: number;
      readonly mode: number;
    }
  | { readonly kind: 'directory'; readonly name: string }
  | { readonly kind: 'symlink'; readonly name: string; readonly linkname: string }
  | { readonly kind: 'content'; readonly name: string; readonly content: Buffer };

export interface PackedContext {
  readonly stream: Readable;
  readonly files: number;
  /** Bytes of file content (the tar adds headers and padding). */
  readonly bytes: number;
  /** Settles when the last entry is written; rejects when reading a file fails midway. */
  readonly done: Promise<void>;
}

/**
 * Fixed mtime and owner: the layers then depend only on the files' contents and modes, so an unchanged input
 * rebuilds to the same layer. (The engine's COPY cache ignores times anyway.)
 */
const MTIME = new Date(0);
const DIRECTORY_MODE = 0o755;

/** Only the execute bit is kept: files are root's, readable by everyone, writable by no one else. */
function fileMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

async function listEntry(entry: ContextEntry, roots: ContextRoots, items: ContextItem[]): Promise<void> {
  if ('content' in entry) {
    items.push({ kind: 'content', name: entry.target, content: Buffer.from(entry.content) });
    return;
  }
  const source = join(entry.from === 'runtime' ? roots.runtime : roots.function, entry.path);
  const skip = new Set(entry.skipDirectories ?? []);
  const stats = await lstat(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats === undefined) {
    if (entry.optional === true) return;
    throw new Error(`${source} is missing; it belongs in the image as ${entry.target}`);
  }
  await listPath(source, entry.target, skip, items);
}

async function listPath(
  source: string,
  name: string,
  skip: ReadonlySet<string>,
  items: ContextItem[],
): Promise<void> {
  const stats = await lstat(source);
  if (stats.isSymbolicLink()) {
    items.push({ kind: 'symlink', name, linkname: await readlink(source) });
  } else if (stats.isFile()) {
    items.push({ kind: 'file', name, source, size: stats.size, mode: fileMode(stats.mode) });
  } else if (stats.isDirectory()) {
    items.push({ kind: 'directory', name });
    // Sorted: the same tree always packs to the same tar.
    const children = (await readdir(source)).sort();
    for (const child of children) {
      if (skip.has(child)) continue;
      await listPath(join(source, child), `${name}/${child}`, skip, items);
    }
  } else {
    throw new Error(
      `${source} is neither a file, a directory nor a symbolic link; it cannot go into an image`,
    );
  }
}

/** Parent directories of every item, so that each exists in the tar with a known mode. */
function withParents(items: readonly ContextItem[]): ContextItem[] {
  const directories = new Set(items.filter((i) => i.kind === 'directory').map((i) => i.name));
  const result: ContextItem[] = [];
  for (const item of items) {
    const parts = item.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!directories.has(parent)) {
        directories.add(parent);
        result.push({ kind: 'directory', name: parent });
      }
    }
    result.push(item);
  }
  return result;
}

function write(tar: Pack, header: Headers, body?: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body === undefined) tar.entry(header, done);
    else tar.entry(header, body, done);
  });
}

/** Lists every entry (throwing when one is missing), then returns the tar stream that packs them as it is read. */
export async function packContext(
  entries: readonly ContextEntry[],
  roots: ContextRoots,
): Promise<PackedContext> {
  const listed: ContextItem[] = [];
  for (const entry of entries) await listEntry(entry, roots, listed);
  const items = withParents(listed);
  const tar = pack();
  const owner = { uid: 0, gid: 0, mtime: MTIME };
  const done = (async () => {
    for (const item of items) {
      if (item.kind === 'directory') {
        await write(tar, { ...owner, name: item.name, type: 'directory', mode: DIRECTORY_MODE });
      } else if (item.kind === 'symlink') {
        await write(tar, {
          ...owner,
          name: item.name,
          type: 'symlink',
          linkname: item.linkname,
          mode: 0o777,
        });
      } else if (item.kind === 'content') {
        await write(tar, { ...owner, name: item.name, type: 'file', mode: 0o644 }, item.content);
      } else {
        // One file in memory at a time; the largest in a runtime image are a few megabytes.
        const body = await readFile(item.source);
        await write(tar, { ...owner, name: item.name, type: 'file', mode: item.mode }, body);
      }
    }
    tar.finalize();
  })();
  done.catch((error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))));
  let files = 0;
  let bytes = 0;
  for (const item of items) {
    if (item.kind === 'file') bytes += item.size;
    else if (item.kind === 'content') bytes += item.content.length;
    else continue;
    files++;
  }
  return { stream: tar, files, bytes, done };
}
