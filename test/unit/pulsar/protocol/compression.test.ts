// Codecs: payloads compressed by Apache Pulsar's Java codecs decode here; ours decode there (opt-in, it takes
// ~20 s of JVM start: PF_JAVA_INTEROP=1 with the broker distribution in .cache); round trips, size checks and
// the bomb guard.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../../../../src/pulsar/errors.ts';
import { compress, decompress, ProtoCompressionType } from '../../../../src/pulsar/protocol/index.ts';
import { RECIPES, recipe } from './recipes.ts';

type Codec = 'LZ4' | 'ZLIB' | 'ZSTD' | 'SNAPPY';
const CODECS: Codec[] = ['LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];
const javaVectors = (
  JSON.parse(readFileSync(new URL('./fixtures/compression.json', import.meta.url), 'utf8')) as {
    vectors: Record<Codec, Record<string, string>>;
  }
).vectors;

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const pulsarLib = join(repoRoot, '.cache/pulsar-4.0.8/lib');
const javaInterop =
  process.env.PF_JAVA_INTEROP === '1' &&
  spawnSync('java', ['-version']).status === 0 &&
  existsSync(pulsarLib);

for (const codec of CODECS) {
  const type = ProtoCompressionType[codec];
  describe(`${codec}`, () => {
    test('decodes what Apache Pulsar Java codec produced', () => {
      for (const name of RECIPES) {
        const input = recipe(name);
        const out = decompress(type, Buffer.from(javaVectors[codec][name]!, 'hex'), input.length);
        assert.deepEqual(Buffer.from(out), input, name);
      }
    });

    test('round-trips empty, small, 1 MiB random and 1 MiB repetitive payloads', () => {
      const inputs = [...RECIPES.map(recipe), recipe(`lcg:${1 << 20}:3`), Buffer.alloc(1 << 20, 'abc')];
      for (const input of inputs) {
        const packed = compress(type, input);
        assert.deepEqual(Buffer.from(decompress(type, packed, input.length)), input);
      }
    });

    test('a size other than uncompressed_size is a ProtocolError', () => {
      const packed = compress(type, recipe('text:100'));
      assert.throws(() => decompress(type, packed, 99), ProtocolError);
      assert.throws(() => decompress(type, packed, 101), ProtocolError);
    });

    test('sizes above the limit are refused before any work', () => {
      const packed = compress(type, recipe('text:100'));
      assert.throws(() => decompress(type, packed, 100, 99), /exceeds the limit/);
      assert.throws(() => decompress(type, packed, -1), ProtocolError);
    });
  });
}

test('NONE passes bytes through untouched', () => {
  const data = Buffer.from('abc');
  assert.equal(compress(ProtoCompressionType.NONE, data), data);
  assert.equal(decompress(ProtoCompressionType.NONE, data, 0), data);
});

test('an unknown codec number is a ProtocolError on decompress', () => {
  assert.throws(() => decompress(9 as ProtoCompressionType, Buffer.from('abc'), 3), ProtocolError);
});

test('our compressed payloads decode with Apache Pulsar Java codecs', {
  skip: !javaInterop && 'set PF_JAVA_INTEROP=1 (needs java and .cache/pulsar-4.0.8)',
}, () => {
  const lines: string[] = [];
  for (const codec of CODECS) {
    for (const name of RECIPES)
      lines.push(
        `${codec} ${name} ${Buffer.from(compress(ProtoCompressionType[codec], recipe(name))).toString('hex')}`,
      );
  }
  const dir = mkdtempSync(join(tmpdir(), 'pf-bash-codecs-'));
  try {
    const file = join(dir, 'ours.txt');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const generator = fileURLToPath(new URL('./fixtures/GenFixtures.java', import.meta.url));
    const run = spawnSync('java', ['-cp', `${pulsarLib}/*`, generator, '--verify', file], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^ok ${lines.length}$`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
