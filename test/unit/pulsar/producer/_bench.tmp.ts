import { createProducer } from '../../../../src/pulsar/producer/index.ts';
import { encodePayloadCommandParts, BaseCommandSchema, BaseCommand_Type, create } from '../../../../src/pulsar/protocol/index.ts';
import { FakeContext, FakeConnection } from './fake-connection.ts';
import { systemClock } from '../../../../src/pulsar/util/index.ts';

class BenchConnection extends FakeConnection {
  bytes = 0;
  queue: bigint[] = [];
  override sendPayload(command: any, metadata: any, payload: Uint8Array): boolean {
    const [head, body] = encodePayloadCommandParts(command, metadata, payload);
    this.bytes += head.length + body.length;
    this.queue.push(command.send.sequenceId);
    if (this.queue.length === 1) setImmediate(() => { const q = this.queue; this.queue = []; for (const s of q) this.receipt(s, 1n, 1n); });
    return true;
  }
}
class BenchContext extends FakeContext {
  override readonly clock = systemClock as any;
  conn = new BenchConnection();
  override async connectionForTopic() { return this.conn; }
}
const keepAlive = setInterval(() => {}, 1000);
const ctx = new BenchContext();
const compressionType = (process.argv[2] ?? 'NONE') as any;
const producer = await createProducer(ctx, { topic: 'bench', maxPendingMessages: 10000, compressionType });
const payload = Buffer.alloc(1024, 7);
const N = 500_000;
for (let round = 0; round < 3; round++) {
  const start = performance.now();
  const promises: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const p = producer.send({ payload });
    if (promises.length >= 5000) { await Promise.all(promises); promises.length = 0; }
    promises.push(p);
  }
  await Promise.all(promises);
  const ms = performance.now() - start;
  console.log(`${compressionType} ${(N / ms * 1000).toFixed(0)} msg/s, ${(ctx.conn.bytes / ms / 1000).toFixed(0)} MB/s`);
  ctx.conn.bytes = 0;
}
await producer.close();
clearInterval(keepAlive);
