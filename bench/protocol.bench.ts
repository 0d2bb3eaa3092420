// Codec hot paths: payload-frame encoding, frame decoding, batch split and the codecs, in operations and MB
// per second. Run: bash scripts/run-node24.sh node bench/protocol.bench.ts
import {
  compress,
  create,
  decodeBatch,
  decodeFrame,
  decompress,
  encodeBatch,
  encodePayloadCommandParts,
  MessageMetadataSchema,
  ProtoCompressionType,
  sendCommand,
} from '../src/pulsar/protocol/index.ts';

function rate(name: string, bytesPerOp: number, fn: () => void, minMs = 700): void {
  for (let i = 0; i < 200; i++) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 50; i++) fn();
    ops += 50;
    elapsed = performance.now() - start;
  }
  const perSec = ops / (elapsed / 1000);
  const mb = (perSec * bytesPerOp) / 1e6;
  console.log(`${name.padEnd(44)} ${perSec.toFixed(0).padStart(9)} op/s ${mb.toFixed(0).padStart(6)} MB/s`);
}

const text = Buffer.from(
  '{"user":"u-1234","event":"click","ts":1700000000000,"tags":["a","b","c"]}\n'.repeat(14),
);
const payload1k = text.subarray(0, 1024);
const metadata = create(MessageMetadataSchema, {
  producerName: 'standalone-0-12',
  sequenceId: 123456n,
  publishTime: 1700000000000n,
  properties: [{ key: 'pf-bash.function', value: 'word-count' }],
  partitionKey: 'user-42',
});
const entries = Array.from({ length: 100 }, (_, i) => ({
  metadata: { sequenceId: BigInt(i) },
  payload: payload1k,
}));
const batch = encodeBatch(entries);
const batchMeta = create(MessageMetadataSchema, { ...metadata, numMessagesInBatch: 100 });

rate('encodePayloadCommandParts 1 KiB', 1024, () => {
  encodePayloadCommandParts(sendCommand(1n, 123456n, 1), metadata, payload1k);
});
rate('encodePayloadCommandParts 100×1 KiB batch', batch.length, () => {
  encodePayloadCommandParts(sendCommand(1n, 123456n, 100), batchMeta, batch);
});
const [head, body] = encodePayloadCommandParts(sendCommand(1n, 1n, 100), batchMeta, batch);
const frame = Buffer.concat([head, body]).subarray(4);
rate('decodeFrame 100×1 KiB batch (CRC checked)', frame.length, () => {
  decodeFrame(frame);
});
rate('decodeBatch 100×1 KiB', batch.length, () => {
  decodeBatch(batch, 100);
});
for (const codec of ['LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'] as const) {
  const type = ProtoCompressionType[codec];
  const packed = compress(type, batch);
  const ratio = (packed.length / batch.length).toFixed(2);
  rate(`compress ${codec} 100 KiB (ratio ${ratio})`, batch.length, () => compress(type, batch), 400);
  rate(`decompress ${codec} 100 KiB`, batch.length, () => decompress(type, packed, batch.length), 400);
}
