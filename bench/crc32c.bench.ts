// CRC32C throughput: pf-bash's slice-by-8 (src/pulsar/protocol/crc32c.ts) against @aws-crypto/crc32c.
// Run: bash scripts/run-node24.sh node bench/crc32c.bench.ts
import { crc32c as awsCrc32c } from '@aws-crypto/crc32c';
import { crc32c } from '../src/pulsar/protocol/crc32c.ts';

function mbPerSecond(fn: (data: Uint8Array) => number, data: Uint8Array, minMs = 500): number {
  for (let i = 0; i < 20; i++) fn(data);
  let bytes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn(data);
    bytes += data.length;
    elapsed = performance.now() - start;
  }
  return bytes / 1e6 / (elapsed / 1000);
}

for (const size of [100, 1024, 64 * 1024, 1024 * 1024]) {
  const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
  if (crc32c(data) !== awsCrc32c(data)) throw new Error(`checksums differ at size ${size}`);
  const ours = mbPerSecond(crc32c, data);
  const theirs = mbPerSecond(awsCrc32c, data);
  console.log(
    `${String(size).padStart(8)} B  slice-by-8 ${ours.toFixed(0).padStart(6)} MB/s   ` +
      `@aws-crypto/crc32c ${theirs.toFixed(0).padStart(5)} MB/s   ×${(ours / theirs).toFixed(1)}`,
  );
}
