// The build context tar: every listed entry with fixed owner, time and modes, nested node_modules left out,
// parents created, and a missing file refused before anything is streamed.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { extract, type Headers } from 'tar-stream';
import { type ContextEntry, packContext } from '../../../src/image/index.ts';

interface Unpacked {
  readonly header: Headers;
  readonly body: string;
}

async function unpack(stream: NodeJS.ReadableStream): Promise<Map<string, Unpacked>> {
  const entries = new Map<string, Unpacked>();
  const tar = extract();
  tar.on('entry', (header: Headers, body: NodeJS.ReadableStream, next: () => void) => {
    text(body).then((content) => {
      entries.set(header.name, { header, body: content });
      next();
    }, next);
  });
  const finished = new Promise<void>((resolve, reject) => {
    tar.on('finish', resolve);
    tar.on('error', reject);
  });
  stream.pipe(tar);
  await finished;
  return entries;
}

describe('packContext', () => {
  let runtime: string;
  let fn: string;

  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pf-context-'));
    runtime = join(dir, 'runtime');
    fn = join(dir, 'fn');
    await mkdir(join(runtime, 'node_modules/a/node_modules/dev-only'), { recursive: true });
    await mkdir(join(runtime, 'node_modules/a/lib'), { recursive: true });
    await writeFile(join(runtime, 'node_modules/a/index.js'), 'a');
    await writeFile(join(runtime, 'node_modules/a/lib/x.js'), 'x');
    await writeFile(join(runtime, 'node_modules/a/node_modules/dev-only/index.js'), 'dev');
    await symlink('../a/index.js', join(runtime, 'node_modules/a/link.js'));
    await mkdir(fn);
    await writeFile(join(fn, 'reverse.sh'), 'rev\n');
    await chmod(join(fn, 'reverse.sh'), 0o700);
    await writeFile(join(fn, 'words.txt'), 'w');
    await chmod(join(fn, 'words.txt'), 0o600);
  });

  after(async () => {
    await rm(join(runtime, '..'), { recursive: true, force: true });
  });

  it('packs files, directories, symlinks and written content with root owner, time 0 and normalised modes', async () => {
    const entries: ContextEntry[] = [
      { target: 'runtime/package.json', content: '{}' },
      {
        target: 'runtime/node_modules/a',
        from: 'runtime',
        path: 'node_modules/a',
        skipDirectories: ['node_modules'],
      },
      { target: 'runtime/node_modules/gone', from: 'runtime', path: 'node_modules/gone', optional: true },
      { target: 'function/reverse.sh', from: 'function', path: 'reverse.sh' },
      { target: 'function/words.txt', from: 'function', path: 'words.txt' },
    ];
    const packed = await packContext(entries, { runtime, function: fn });
    assert.equal(packed.files, 5);
    assert.equal(packed.bytes, 2 + 1 + 1 + 4 + 1);
    const [unpacked] = await Promise.all([unpack(packed.stream), packed.done]);
    assert.deepEqual(
      [...unpacked.keys()],
      [
        'runtime',
        'runtime/package.json',
        'runtime/node_modules',
        'runtime/node_modules/a',
        'runtime/node_modules/a/index.js',
        'runtime/node_modules/a/lib',
        'runtime/node_modules/a/lib/x.js',
        'runtime/node_modules/a/link.js',
        'function',
        'function/reverse.sh',
        'function/words.txt',
      ],
    );
    const get = (name: string) => unpacked.get(name)!;
    assert.equal(get('runtime/package.json').body, '{}');
    assert.equal(get('function/reverse.sh').body, 'rev\n');
    assert.equal(get('function/reverse.sh').header.mode, 0o755);
    assert.equal(get('function/words.txt').header.mode, 0o644);
    assert.equal(get('runtime/node_modules/a/lib').header.type, 'directory');
    assert.equal(get('runtime/node_modules/a/lib').header.mode, 0o755);
    assert.equal(get('runtime/node_modules/a/link.js').header.type, 'symlink');
    assert.equal(get('runtime/node_modules/a/link.js').header.linkname, '../a/index.js');
    for (const { header } of unpacked.values()) {
      assert.equal(header.uid, 0);
      assert.equal(header.gid, 0);
      assert.equal(header.mtime?.getTime(), 0);
    }
  });

  it('packs paths longer than 100 characters', async () => {
    const long = `function/${'d'.repeat(90)}/${'f'.repeat(90)}.txt`;
    const packed = await packContext([{ target: long, content: 'x' }], { runtime, function: fn });
    const [unpacked] = await Promise.all([unpack(packed.stream), packed.done]);
    assert.equal(unpacked.get(long)?.body, 'x');
  });

  it('refuses a missing required entry before streaming anything', async () => {
    await assert.rejects(
      packContext([{ target: 'function/nope.sh', from: 'function', path: 'nope.sh' }], {
        runtime,
        function: fn,
      }),
      /nope\.sh is missing; it belongs in the image as function\/nope\.sh/,
    );
  });
});
