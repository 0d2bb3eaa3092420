"""Apache's Python Pulsar client (the C++ client inside the wheel) as the baseline of bench/client.bench.ts.

  apache_client_bench.py bench-produce --service-url URL --topic T --count N --size 1024 [--max-pending 1000]
  apache_client_bench.py bench-consume --service-url URL --topic T --subscription S --count N

Each prints one JSON line: {"count", "bytes", "seconds"}. The clock runs from the first send to the last receipt
(produce: send_async in a loop, blocking when max_pending messages wait, then flush), or from the subscribe call
to the N-th message received and acknowledged (consume, from the earliest position); creating the client and the
producer is not timed. Settings match what the TypeScript side uses: batching on (1000 messages, 128 KiB, 10 ms),
no compression, receiver queue 1000, individual acks.
"""

import argparse
import json
import logging
import os
import sys
import threading
import time

import pulsar


def new_client(service_url):
    logger = logging.getLogger('pulsar-client')
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter('%(asctime)s %(levelname)s pulsar-client %(message)s'))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    return pulsar.Client(service_url, operation_timeout_seconds=30, logger=logger)


def payload(size):
    # The same bytes as the TypeScript side: 0, 1, …, 255, 0, 1, …
    return (bytes(range(256)) * (size // 256 + 1))[:size]


def bench_produce(args):
    client = new_client(args.service_url)
    producer = client.create_producer(
        args.topic,
        batching_enabled=True,
        batching_max_messages=1000,
        batching_max_allowed_size_in_bytes=128 * 1024,
        batching_max_publish_delay_ms=10,
        max_pending_messages=args.max_pending,
        block_if_queue_full=True,
        compression_type=pulsar.CompressionType.NONE,
    )
    data = payload(args.size)
    failed = []
    done = threading.Event()
    last = args.count - 1

    def on_sent(res, _msg_id):
        if res != pulsar.Result.Ok:
            failed.append(res)

    def on_last(res, msg_id):
        on_sent(res, msg_id)
        done.set()

    started = time.perf_counter()
    for _ in range(last):
        producer.send_async(data, on_sent)
    producer.send_async(data, on_last)
    producer.flush()
    if not done.wait(120):
        raise SystemExit('no receipt for the last message within 120 s')
    seconds = time.perf_counter() - started
    if failed:
        raise SystemExit(f'{len(failed)} sends failed, first: {failed[0]}')
    producer.close()
    client.close()
    return {'count': args.count, 'bytes': args.count * args.size, 'seconds': seconds}


def bench_consume(args):
    client = new_client(args.service_url)
    started = time.perf_counter()
    consumer = client.subscribe(
        args.topic,
        args.subscription,
        consumer_type=pulsar.ConsumerType.Exclusive,
        initial_position=pulsar.InitialPosition.Earliest,
        receiver_queue_size=1000,
    )
    total = 0
    for _ in range(args.count):
        msg = consumer.receive(timeout_millis=60_000)
        total += len(msg.data())
        consumer.acknowledge(msg)
    seconds = time.perf_counter() - started
    consumer.close()
    client.close()
    return {'count': args.count, 'bytes': total, 'seconds': seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest='mode', required=True)
    produce = modes.add_parser('bench-produce', help='time N sends')
    consume = modes.add_parser('bench-consume', help='time N receives')
    for sub in (produce, consume):
        sub.add_argument('--service-url', required=True)
        sub.add_argument('--topic', required=True)
        sub.add_argument('--count', type=int, required=True)
    produce.add_argument('--size', type=int, default=1024)
    produce.add_argument('--max-pending', type=int, default=1000)
    consume.add_argument('--subscription', required=True)
    args = parser.parse_args()
    result = bench_produce(args) if args.mode == 'bench-produce' else bench_consume(args)
    print(json.dumps(result), flush=True)
    # The client is closed; skip interpreter teardown, where the C++ client sometimes aborts ("terminate called
    # without an active exception") while its threads are destroyed, which would fail a run that succeeded.
    sys.stderr.flush()
    os._exit(0)


if __name__ == '__main__':
    main()
