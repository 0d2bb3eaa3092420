// Smoke test of the test foundation: Apache's Python client (test/support/peer.py) writes 1,000 messages with
// keys and properties to the real broker and reads them back byte for byte.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (start the broker and export it; see scripts/test.sh)`);
  return value;
}

const COUNT = 1000;

/** Payloads that stress byte-exactness: empty, NUL, invalid UTF-8, every byte value, multi-byte text, random. */
function samplePayloads(): Buffer[] {
  const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const fixed = [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]), // invalid UTF-8 sequences
    everyByte,
    Buffer.from([...everyByte].reverse()),
    Buffer.from('héllo wörld ✓ 𝄞 日本語\n\r\t', 'utf8'),
    Buffer.from('\ufeffbom and trailing NUL\0', 'utf8'),
  ];
  const random = Array.from({ length: 40 }, (_, i) => randomBytes(1 + ((i * 977) % 16_384)));
  return [...fixed, ...random];
}

interface Line {
  [field: string]: unknown;
}

function jsonLines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);
}

async function peer(args: string[]): Promise<Line[]> {
  const script = join(env('PF_ROOT'), 'test/support/peer.py');
  const { stdout } = await run(env('PF_PYTHON'), [script, ...args], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return jsonLines(stdout);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pf-peer-roundtrip-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('Python peer round-trips 1,000 keyed messages with properties byte for byte', async () => {
  const serviceUrl = env('PULSAR_SERVICE_URL');
  const topic = `persistent://public/default/peer-roundtrip-${randomBytes(6).toString('hex')}`;
  const payloads = samplePayloads();
  // peer.py cycles --payload-dir files in name order, so message i carries payloads[i % payloads.length].
  await Promise.all(
    payloads.map((data, i) => writeFile(join(dir, `p-${String(i).padStart(3, '0')}.bin`), data)),
  );
  const expected = (i: number): Buffer => payloads[i % payloads.length]!;

  const produced = await peer([
    'produce',
    ...['--service-url', serviceUrl, '--topic', topic, '--count', String(COUNT)],
    ...['--payload-dir', dir, '--key-template', 'key-{i}'],
    ...['--property', 'index={i}', '--property', 'origin=peer-roundtrip', '--property', 'empty='],
  ]);
  const summary = produced.pop();
  assert.equal((summary?.summary as Line | undefined)?.sent, COUNT, 'producer summary');
  assert.equal(produced.length, COUNT);
  produced.forEach((line, i) => {
    assert.equal(line.i, i);
    assert.equal(line.payload_sha256, sha256(expected(i)), `producer saw other bytes for message ${i}`);
  });

  const consumed = await peer([
    'consume',
    ...['--service-url', serviceUrl, '--topic', topic, '--subscription', 'roundtrip'],
    ...['--initial-position', 'earliest', '--count', String(COUNT), '--timeout-ms', '90000'],
  ]);
  const end = consumed.pop();
  assert.equal((end?.summary as Line | undefined)?.received, COUNT, 'consumer summary');
  assert.equal(consumed.length, COUNT);

  // One producer, an exclusive subscription: the order is the send order.
  consumed.forEach((msg, i) => {
    const got = Buffer.from(msg.payload_b64 as string, 'base64');
    assert.ok(got.equals(expected(i)), `payload of message ${i} differs`);
    assert.equal(msg.size, expected(i).length);
    assert.equal(msg.payload_sha256, sha256(expected(i)));
    assert.equal(msg.key, `key-${i}`);
    assert.deepEqual(msg.properties, { index: String(i), origin: 'peer-roundtrip', empty: '' });
    assert.equal(msg.message_id, produced[i]!.message_id);
    assert.equal(msg.redelivery_count, 0);
    assert.equal(msg.topic, topic);
  });
});
