"""Apache's Python Pulsar client as an independent test peer: produces or consumes and reports every message as
one JSON line on stdout, byte-exact (payloads as base64 plus sha256). Run with the venv from
scripts/python-peer.sh (PF_PYTHON).

  peer.py produce --service-url pulsar://127.0.0.1:6650 --topic t --count 10 --size 100 --key-template 'k-{i}'
  peer.py consume --service-url pulsar://127.0.0.1:6650 --topic t --subscription s --count 10

produce prints {"i", "message_id", "size", "payload_sha256", "sequence_id"} per message (sequence_id only with
--batching off, where sends are synchronous), then {"summary": ...}.
consume prints {"ready": true} on stderr once subscribed, one line per message, then {"summary": ...}; it exits 3
when --count was given and not reached. Failures print {"error": ...} on stderr and exit 1.
Limits of the Python client: keys, ordering keys and property values are str (UTF-8), and it has no chunk size
setting (chunks follow the broker's maxMessageSize).
"""

import argparse
import base64
import hashlib
import json
import logging
import math
import os
import random
import re
import sys
import time

import pulsar

COMPRESSION = {
    'none': pulsar.CompressionType.NONE, 'lz4': pulsar.CompressionType.LZ4, 'zlib': pulsar.CompressionType.ZLib,
    'zstd': pulsar.CompressionType.ZSTD, 'snappy': pulsar.CompressionType.SNAPPY,
}
SUB_TYPES = {
    'exclusive': pulsar.ConsumerType.Exclusive, 'shared': pulsar.ConsumerType.Shared,
    'failover': pulsar.ConsumerType.Failover, 'key_shared': pulsar.ConsumerType.KeyShared,
}
POSITIONS = {'earliest': pulsar.InitialPosition.Earliest, 'latest': pulsar.InitialPosition.Latest}


def emit(obj, stream=sys.stdout):
    stream.write(json.dumps(obj, separators=(',', ':')) + '\n')
    stream.flush()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def message_id_fields(msg_id):
    return {'message_id': str(msg_id), 'ledger_id': msg_id.ledger_id(), 'entry_id': msg_id.entry_id(),
            'partition': msg_id.partition(), 'batch_index': msg_id.batch_index()}


def new_client(service_url):
    # The C++ client's own console logger writes to stdout, which carries our JSON: route its warnings to stderr.
    logger = logging.getLogger('pulsar-client')
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter('%(asctime)s %(levelname)s pulsar-client %(message)s'))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    return pulsar.Client(service_url, operation_timeout_seconds=30, logger=logger)


# ---- produce --------------------------------------------------------------------------------------------------

def payload_source(args):
    """Returns i -> payload bytes."""
    files = list(args.payload_file or [])
    if args.payload_dir:
        files += [os.path.join(args.payload_dir, name) for name in sorted(os.listdir(args.payload_dir))]
    if files:
        payloads = []
        for path in files:
            with open(path, 'rb') as f:
                payloads.append(f.read())
        return lambda i: payloads[i % len(payloads)]
    if args.size is not None:
        if args.random_seed is not None:
            return lambda i: random.Random(f'{args.random_seed}:{i}').randbytes(args.size)
        pattern = bytes(range(256)) * (args.size // 256 + 2)  # byte j of message i is (i + j) % 256
        return lambda i: pattern[i % 256:i % 256 + args.size]
    return lambda i: f'message-{i}'.encode()


def specs_from_args(args):
    """Yields one dict per message: payload (bytes), key, ordering_key, properties, event_time."""
    payload = payload_source(args)
    props = dict(p.split('=', 1) for p in args.property or [])
    for i in range(args.count):
        yield {
            'payload': payload(i),
            'key': args.key_template.replace('{i}', str(i)) if args.key_template else None,
            'ordering_key': args.ordering_key_template.replace('{i}', str(i)) if args.ordering_key_template else None,
            'properties': {k: v.replace('{i}', str(i)) for k, v in props.items()},
            'event_time': args.event_time,
        }


def specs_from_stdin():
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        ordering_key = spec.get('ordering_key_b64')
        yield {
            'payload': base64.b64decode(spec.get('payload_b64', '')),
            'key': spec.get('key'),
            # The Python client takes ordering keys as str, so only UTF-8 ordering keys can be sent from here.
            'ordering_key': base64.b64decode(ordering_key).decode('utf-8') if ordering_key else None,
            'properties': spec.get('properties') or {},
            'event_time': spec.get('event_time'),
        }


def produce(args):
    if args.chunking and args.batching == 'on':
        raise SystemExit('--chunking needs --batching off (the broker cannot chunk a batch)')
    if args.chunk_max_size:
        # The C++ client under the Python one has no chunk size setting: chunks follow the broker's maxMessageSize.
        raise SystemExit('--chunk-max-size is not supported by the Python client; chunks follow maxMessageSize')
    client = new_client(args.service_url)
    producer_opts = {
        'producer_name': args.producer_name,
        'compression_type': COMPRESSION[args.compression],
        'batching_enabled': args.batching == 'on',
        'batching_max_messages': args.batch_max_messages,
        'batching_max_publish_delay_ms': args.batch_max_delay_ms,
        'chunking_enabled': args.chunking,
        'block_if_queue_full': True,
    }
    if args.batch_max_bytes is not None:
        producer_opts['batching_max_allowed_size_in_bytes'] = args.batch_max_bytes
    producer = client.create_producer(args.topic, **producer_opts)
    specs = specs_from_stdin() if args.json_in else specs_from_args(args)
    started = time.monotonic()
    sent = 0
    pending = []  # batching: asynchronous sends, reported in order after flush

    def send_kwargs(spec):
        kwargs = {'properties': spec['properties'] or None, 'partition_key': spec['key'],
                  'ordering_key': spec['ordering_key']}
        if spec['event_time'] is not None:
            kwargs['event_timestamp'] = int(spec['event_time'])
        return kwargs

    for i, spec in enumerate(specs):
        data = spec['payload']
        line = {'i': i, 'size': len(data), 'payload_sha256': sha256(data)}
        if args.batching == 'on':
            slot = {'line': line}
            pending.append(slot)
            producer.send_async(data, lambda res, msg_id, slot=slot: slot.update(res=res, msg_id=msg_id),
                                **send_kwargs(spec))
            continue
        msg_id = producer.send(data, **send_kwargs(spec))
        emit({**line, **message_id_fields(msg_id), 'sequence_id': producer.last_sequence_id()})
        sent += 1
    if pending:
        producer.flush()
        deadline = time.monotonic() + 30
        while any('res' not in s for s in pending) and time.monotonic() < deadline:
            time.sleep(0.01)
        for slot in pending:
            if slot.get('res') != pulsar.Result.Ok:
                raise RuntimeError(f"send of message {slot['line']['i']} failed: {slot.get('res', 'no callback')}")
            emit({**slot['line'], **message_id_fields(slot['msg_id'])})
            sent += 1
    producer.close()
    client.close()
    emit({'summary': {'sent': sent, 'elapsed_ms': round((time.monotonic() - started) * 1000)}})
    return 0


# ---- consume --------------------------------------------------------------------------------------------------

def message_line(msg):
    data = msg.data()
    try:
        ordering_key = msg.ordering_key()
        ordering_key_b64 = base64.b64encode(ordering_key.encode()).decode() if ordering_key else None
    except UnicodeDecodeError:  # the Python client decodes ordering keys as UTF-8
        ordering_key_b64 = None
    return {
        'payload_b64': base64.b64encode(data).decode(), 'payload_sha256': sha256(data), 'size': len(data),
        'key': msg.partition_key() or None, 'partition_key': msg.partition_key() or None,
        'ordering_key_b64': ordering_key_b64, 'properties': msg.properties(),
        'event_time': msg.event_timestamp() or None, 'publish_time': msg.publish_timestamp(),
        'redelivery_count': msg.redelivery_count(), 'topic': msg.topic_name(),
        'producer_name': msg.producer_name(), **message_id_fields(msg.message_id()),
    }


def consume(args):
    if sum(x is not None for x in (args.topic, args.topics, args.pattern)) != 1:
        raise SystemExit('give exactly one of --topic, --topics, --pattern')
    topic = args.topic or (args.topics.split(',') if args.topics else re.compile(args.pattern))
    client = new_client(args.service_url)
    consumer = client.subscribe(
        topic, args.subscription, consumer_type=SUB_TYPES[args.sub_type],
        initial_position=POSITIONS[args.initial_position], consumer_name=args.consumer_name,
        negative_ack_redelivery_delay_ms=args.nack_delay_ms)
    emit({'ready': True, 'subscription': args.subscription}, sys.stderr)
    started = last = time.monotonic()
    overall_deadline = started + args.timeout_ms / 1000 if args.timeout_ms is not None else math.inf
    received, reason = 0, 'count'
    nacked = set()
    while args.count is None or received < args.count:
        now = time.monotonic()
        idle_deadline = last + args.idle_timeout_ms / 1000 if args.idle_timeout_ms is not None else math.inf
        deadline = min(overall_deadline, idle_deadline)
        if now >= deadline:
            reason = 'timeout' if deadline == overall_deadline else 'idle'
            break
        wait_ms = None if deadline == math.inf else max(1, math.ceil((deadline - now) * 1000))
        try:
            msg = consumer.receive(timeout_millis=wait_ms)
        except pulsar.Timeout:
            continue
        last = time.monotonic()
        line = message_line(msg)
        # By message id, not redelivery_count: brokers count redeliveries only on shared/key_shared subscriptions.
        if args.nack_first and line['message_id'] not in nacked:
            nacked.add(line['message_id'])
            consumer.negative_acknowledge(msg)
            emit({**line, 'nacked': True})
            continue
        if args.ack:
            consumer.acknowledge(msg)
        emit(line)
        received += 1
    consumer.close()
    client.close()
    emit({'summary': {'received': received, 'reason': reason,
                      'elapsed_ms': round((time.monotonic() - started) * 1000)}})
    return 3 if args.count is not None and received < args.count else 0


# ---- command line ---------------------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)

    p = sub.add_parser('produce', help='send messages')
    p.add_argument('--service-url', required=True)
    p.add_argument('--topic', required=True)
    p.add_argument('--count', type=int, default=1)
    p.add_argument('--payload-file', action='append', help='repeatable; files are cycled')
    p.add_argument('--payload-dir', help='every file in it, sorted by name, cycled')
    p.add_argument('--size', type=int, help='generated payloads of this many bytes')
    p.add_argument('--random-seed', help='with --size: seeded random bytes instead of the (i + j) %% 256 pattern')
    p.add_argument('--key-template', help="e.g. 'k-{i}'")
    p.add_argument('--ordering-key-template')
    p.add_argument('--property', action='append', help='k=v, repeatable; {i} is substituted in v')
    p.add_argument('--event-time', type=int, help='event time in ms')
    p.add_argument('--batching', choices=['on', 'off'], default='off')
    p.add_argument('--batch-max-messages', type=int, default=1000)
    p.add_argument('--batch-max-delay-ms', type=int, default=10)
    p.add_argument('--batch-max-bytes', type=int)
    p.add_argument('--compression', choices=sorted(COMPRESSION), default='none')
    p.add_argument('--chunking', action='store_true', help='needs --batching off')
    p.add_argument('--chunk-max-size', type=int, help='not supported by the Python client (rejected)')
    p.add_argument('--producer-name')
    p.add_argument('--json-in', action='store_true',
                   help='read messages as JSON lines from stdin: payload_b64, key, ordering_key_b64, properties, '
                        'event_time')

    c = sub.add_parser('consume', help='receive messages')
    c.add_argument('--service-url', required=True)
    c.add_argument('--topic')
    c.add_argument('--topics', help='comma-separated')
    c.add_argument('--pattern', help='regex over full topic names, e.g. persistent://public/default/t-.*')
    c.add_argument('--subscription', required=True)
    c.add_argument('--sub-type', choices=sorted(SUB_TYPES), default='exclusive')
    c.add_argument('--initial-position', choices=sorted(POSITIONS), default='earliest')
    c.add_argument('--count', type=int, help='stop after this many (acked or printed) messages')
    c.add_argument('--idle-timeout-ms', type=int, help='stop when nothing arrives for this long')
    c.add_argument('--timeout-ms', type=int, help='overall limit')
    c.add_argument('--ack', dest='ack', action='store_true', default=True)
    c.add_argument('--no-ack', dest='ack', action='store_false')
    c.add_argument('--nack-first', action='store_true',
                   help='nack each first delivery (printed with "nacked": true), ack the redelivery; '
                        'keep --idle-timeout-ms above --nack-delay-ms')
    c.add_argument('--nack-delay-ms', type=int, default=1000)
    c.add_argument('--consumer-name')
    args = parser.parse_args(argv)
    if args.command == 'consume' and args.count is None and args.idle_timeout_ms is None and args.timeout_ms is None:
        parser.error('consume needs --count, --idle-timeout-ms or --timeout-ms')
    return args


def main(argv):
    args = parse_args(argv)
    try:
        return produce(args) if args.command == 'produce' else consume(args)
    except SystemExit:
        raise
    except Exception as e:  # one readable line for the test's failure message
        emit({'error': f'{type(e).__name__}: {e}'}, sys.stderr)
        return 1


if __name__ == '__main__':
    status = main(sys.argv[1:])
    # Leave without interpreter teardown: pulsar-client 3.13's C++ threads can abort the process at exit
    # ("terminate called without an active exception", status 134) after all work was done and printed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status if isinstance(status, int) else 0)
