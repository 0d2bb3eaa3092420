// Producer throughput with 1 KiB messages and batching, per codec.
//   memory: our producer over an in-memory connection that encodes every frame and receipts it (no broker):
//           the producer's own ceiling.
//   broker: our producer against the real broker, then Apache's C++ client (through its Python wrapper, in a
//           tight send_async loop) on the same broker, and the ratio. The Python wrapper calls back into
//           Python per message, so that baseline is well below the bare C++ client; read it as a floor.
// Run: bash scripts/run-node24.sh node bench/producer.bench.ts [memory|broker] [count]
import { execFileSync } from 'node:child_process';
import { exponentialBackoff } from '../src/pulsar/backoff.ts';
import { createClient } from '../src/pulsar/client.ts';
import type { ClientContext, Connection, ProducerHandler } from '../src/pulsar/connection/contract.ts';
import { createProducer } from '../src/pulsar/producer/index.ts';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  create,
  encodePayloadCommandParts,
  type MessageMetadata,
} from '../src/pulsar/protocol/index.ts';
import { CompressionType, type MessageId, type Producer } from '../src/pulsar/types.ts';
import { silentLogger, systemClock } from '../src/pulsar/util/index.ts';

const mode = process.argv[2] ?? 'memory';
const count = Number(process.argv[3] ?? 300_000);
const text = Buffer.from(
  '{"user":"u-1234","event":"click","ts":1700000000000,"tags":["a","b","c"]}\n'.repeat(14),
);
const payload = text.subarray(0, 1024);

/** Encodes each SEND as the socket layer would and receipts everything written once per event-loop turn. */
class MemoryConnection implements Connection {
  readonly logicalAddress = 'memory:0';
  readonly maxMessageSize = 5 * 1024 * 1024;
  readonly protocolVersion = 19;
  readonly isClosed = false;
  #handler: ProducerHandler | undefined;
  #unreceipted: bigint[] = [];

  async request(build: (requestId: bigint) => BaseCommand): Promise<BaseCommand> {
    const command = build(1n);
    const producerSuccess = { requestId: 1n, producerName: 'bench', lastSequenceId: -1n };
    return command.type === BaseCommand_Type.PRODUCER
      ? create(BaseCommandSchema, { type: BaseCommand_Type.PRODUCER_SUCCESS, producerSuccess })
      : create(BaseCommandSchema, { type: BaseCommand_Type.SUCCESS, success: { requestId: 1n } });
  }
  send(): void {}
  sendPayload(command: BaseCommand, metadata: MessageMetadata, data: Uint8Array): boolean {
    encodePayloadCommandParts(command, metadata, data);
    if (this.#unreceipted.push(command.send!.sequenceId) === 1) setImmediate(() => this.#receiptAll());
    return true;
  }
  #receiptAll(): void {
    const sequenceIds = this.#unreceipted;
    this.#unreceipted = [];
    for (const sequenceId of sequenceIds) {
      this.#handler?.onSendReceipt({
        producerId: 0n,
        sequenceId,
        messageId: { ledgerId: 1n, entryId: 1n },
      } as never);
    }
  }
  async waitWritable(): Promise<void> {}
  registerProducer(_id: bigint, handler: ProducerHandler): void {
    this.#handler = handler;
  }
  unregisterProducer(): void {}
  registerConsumer(): void {}
  unregisterConsumer(): void {}
  close(): void {}
}

function memoryContext(): ClientContext {
  const connection = new MemoryConnection();
  return {
    connectionForTopic: async () => connection,
    partitionedMetadata: async () => 0,
    topicsOfNamespace: async () => [],
    newProducerId: () => 0n,
    newConsumerId: () => 0n,
    newBackoff: () => exponentialBackoff(),
    operationTimeoutMs: 30_000,
    clock: systemClock,
    logger: silentLogger,
  };
}

/** Sends `count` messages keeping up to maxPendingMessages in flight; returns messages per second. */
async function drive(producer: Producer): Promise<number> {
  const start = performance.now();
  let last: Promise<MessageId> | undefined;
  for (let i = 0; i < count; i++) {
    last = producer.send({ payload });
    // Sends block on a full queue: yield now and then so that receipts can come in.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await last;
  await producer.flush();
  return count / ((performance.now() - start) / 1000);
}

function line(name: string, rate: number, extra = ''): void {
  console.log(
    `${name.padEnd(30)} ${rate.toFixed(0).padStart(9)} msg/s ${((rate * 1024) / 1e6).toFixed(0).padStart(5)} MB/s ${extra}`,
  );
}

// Client timers are unref'd; keep the process up while a batch timer is the only thing left.
const keepAlive = setInterval(() => {}, 1000);
const codecs = Object.values(CompressionType);
if (mode === 'memory') {
  for (const compressionType of codecs) {
    const producer = await createProducer(memoryContext(), {
      topic: 'bench',
      compressionType,
      maxPendingMessages: 10_000,
    });
    await drive(producer); // warm-up
    line(`memory ${compressionType}`, await drive(producer));
    await producer.close();
  }
} else {
  const serviceUrl = process.env.PULSAR_SERVICE_URL ?? 'pulsar://127.0.0.1:6650';
  const python = process.env.PF_PYTHON ?? '.cache/venv/bin/python';
  for (const compressionType of [CompressionType.None, CompressionType.LZ4]) {
    const client = createClient({ serviceUrl });
    const producer = await client.createProducer({
      topic: `bench-producer-${Date.now()}`,
      compressionType,
      maxPendingMessages: 10_000,
    });
    await drive(producer);
    const ours = await drive(producer);
    await client.close();
    const apache = cppRate(python, serviceUrl, compressionType);
    line(`broker pf-bash ${compressionType}`, ours);
    line(`broker Apache C++ (Python) ${compressionType}`, apache, `ratio ${(ours / apache).toFixed(2)}`);
  }
}
clearInterval(keepAlive);

/** Apache's C++ client through its Python wrapper: the same loop, callbacks counted in C++ threads. */
function cppRate(python: string, serviceUrl: string, codec: CompressionType): number {
  const script = `
import pulsar, sys, time, threading
client = pulsar.Client(sys.argv[1], logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
codec = {'NONE': pulsar.CompressionType.NONE, 'LZ4': pulsar.CompressionType.LZ4}[sys.argv[3]]
p = client.create_producer('bench-producer-cpp-%d' % time.time_ns(), compression_type=codec, batching_enabled=True,
    batching_max_messages=1000, batching_max_publish_delay_ms=10, max_pending_messages=10000, block_if_queue_full=True)
data = (b'{"user":"u-1234","event":"click","ts":1700000000000,"tags":["a","b","c"]}\\n' * 14)[:1024]
n = int(sys.argv[2])
def run():
    done = threading.Semaphore(0)
    cb = lambda res, mid: None
    t = time.monotonic()
    for i in range(n - 1):
        p.send_async(data, cb)
    p.send_async(data, lambda res, mid: done.release())
    p.flush(); done.acquire()
    return n / (time.monotonic() - t)
run()
print(run())
client.close()
`;
  const out = execFileSync(python, ['-c', script, serviceUrl, String(count), codec], { encoding: 'utf8' });
  return Number(out.trim().split('\n').at(-1));
}
