// Key hashes against values printed by Java 17 (`String.hashCode`) and Pulsar 4.0.8's Murmur3_32Hash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { javaStringHash, murmur3Hash32 } from '../../../../src/pulsar/protocol/index.ts';

// [key, String.hashCode(), Murmur3_32Hash.makeHash(utf8), (hashCode & MAX_VALUE) % 7]
const vectors: [string, number, number, number][] = [
  ['', 0, 0, 0],
  ['a', 97, 1009084850, 6],
  ['hello', 99162322, 613153351, 0],
  ['key-1', 101943363, 414258592, 4],
  ['persistent://public/default/t', 2131568547, 1850889519, 3],
  ['h\u00e9llo w\u00f6rld', 1628148953, 402125428, 4],
  ['\u65e5\u672c\u8a9e\u30ad\u30fc', -858417722, 1610471384, 1],
  ['emoji \ud83d\ude00 key', 773258044, 1166229835, 6],
  ['The quick brown fox jumps over the lazy dog', -609428141, 776992547, 2],
  ['abc', 96354, 870159354, 6],
  ['abcd', 2987074, 1139631978, 6],
  ['abcde', 92599395, 1755028214, 0],
];

test('javaStringHash equals Java String.hashCode, signed, over UTF-16 code units', () => {
  for (const [key, hash, , partition] of vectors) {
    assert.equal(javaStringHash(key), hash, key);
    assert.equal((javaStringHash(key) & 0x7fffffff) % 7, partition, key);
  }
});

test('murmur3Hash32 equals Pulsar Murmur3_32Hash over UTF-8, for strings and bytes', () => {
  for (const [key, , murmur] of vectors) {
    assert.equal(murmur3Hash32(key), murmur, key);
    assert.equal(murmur3Hash32(Buffer.from(key, 'utf8')), murmur, key);
  }
});
