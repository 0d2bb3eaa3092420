// Our client against a broker that requires TLS and tokens: a second standalone of this file's own
// (test/support/test-broker.ts; the shared broker is never touched), with our own CA, a broker certificate for
// 127.0.0.1/localhost, JWT auth and authorization on. Covers pulsar+ssl with trust and host-name checks, tokens
// from a literal, a supplier and a file re-read when rotated, and the errors for untrusted brokers and bad tokens.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthenticationToken } from '../../../src/pulsar/auth.ts';
import { createClient } from '../../../src/pulsar/client.ts';
import { createClientRuntime } from '../../../src/pulsar/client-context.ts';
import { subscribe } from '../../../src/pulsar/consumer/index.ts';
import { ConnectionError, ServerError } from '../../../src/pulsar/errors.ts';
import { parseServiceUrl } from '../../../src/pulsar/lookup/service-url.ts';
import { createProducer } from '../../../src/pulsar/producer/index.ts';
import {
  type Authentication,
  type Client,
  type ClientOptions,
  type Consumer,
  InitialPosition,
  type Producer,
} from '../../../src/pulsar/types.ts';
import type { Logger } from '../../../src/pulsar/util/index.ts';
import { uniqueTopic, waitFor } from '../../support/env.ts';
import { TestBroker, topicPath } from '../../support/test-broker.ts';

// Own ports: the shared broker keeps 6650/8080/3181.
const broker = new TestBroker({
  name: 'secure',
  ports: { broker: 6652, brokerTls: 6651, http: 8081, https: 8443, bookie: 3182 },
  tls: true,
  auth: true,
  // Expired tokens are challenged within a second, so rotation tests need not wait a minute.
  authRefreshSeconds: 1,
});

let tlsUrl: string;
let plainUrl: string;
let ca: string;
let userToken: string;
let scratch: string;

before(async () => {
  await broker.start();
  tlsUrl = broker.env.PULSAR_TLS_SERVICE_URL!;
  plainUrl = broker.env.PULSAR_SERVICE_URL;
  ca = broker.env.PULSAR_TLS_CA!;
  userToken = (await readFile(broker.env.PULSAR_AUTH_USER_TOKEN_FILE!, 'utf8')).trim();
  scratch = await mkdtemp(join(tmpdir(), 'pf-bash-security-'));
});

after(async () => {
  await broker.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

function tlsClient(options: Partial<ClientOptions> = {}): Client {
  return createClient({
    serviceUrl: tlsUrl,
    tlsTrustCertsFilePath: ca,
    authentication: AuthenticationToken.fromToken(userToken),
    operationTimeoutMs: 20_000,
    ...options,
  });
}

/** Messages whose bytes must survive the trip: empty, every byte value, random, and a larger one. */
function samplePayloads(): Buffer[] {
  return [
    Buffer.alloc(0),
    Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i)),
    ...Array.from({ length: 20 }, (_, i) => randomBytes(1 + i * 37)),
    randomBytes(300 * 1024),
  ];
}

/**
 * Sends `payloads` (batched) and checks they come back byte-exact, in order, with keys and properties.
 * Messages of an earlier round may come again first (an ack still on its way when the topic moved is lost,
 * and delivery is at least once); they are acknowledged and skipped.
 */
async function roundTrip(
  producer: Producer,
  consumer: Consumer,
  payloads: Buffer[],
  tag: string,
): Promise<void> {
  const sends = payloads.map((payload, i) =>
    producer.send({ payload, key: `${tag}-${i}`, properties: { i: String(i), tag } }),
  );
  await Promise.all(sends);
  for (let i = 0; i < payloads.length; i++) {
    let message = await consumer.receive(30_000);
    while (message.properties.tag !== tag) {
      await consumer.acknowledge(message);
      message = await consumer.receive(30_000);
    }
    assert.equal(message.properties.i, String(i), `message ${i} out of order`);
    assert.equal(message.key, `${tag}-${i}`);
    assert.ok(message.payload.equals(payloads[i]!), `message ${i}: payload differs`);
    await consumer.acknowledge(message);
  }
}

async function openPair(client: Client, topic: string): Promise<{ producer: Producer; consumer: Consumer }> {
  const consumer = await client.subscribe({
    topic,
    subscription: 'security',
    subscriptionInitialPosition: InitialPosition.Earliest,
  });
  const producer = await client.createProducer({ topic, batchingMaxPublishDelayMs: 5 });
  return { producer, consumer };
}

/** Counts the times the client asked its token source, i.e. every CONNECT and every AUTH_CHALLENGE answered. */
function counting(inner: Authentication): Authentication & { calls: number } {
  const counted = {
    methodName: inner.methodName,
    calls: 0,
    getAuthData: () => {
      counted.calls++;
      return inner.getAuthData();
    },
  };
  return counted;
}

/** A logger that keeps the messages the client logs, to see whether a connection was closed. */
function recordingLogger(lines: string[]): Logger {
  const record =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      const why = fields.err ?? fields.error ?? fields.reason;
      lines.push(why === undefined ? `${level} ${message}` : `${level} ${message}: ${String(why)}`);
    };
  const logger: Logger = {
    debug: () => {},
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => logger,
  };
  return logger;
}

/** Replaces a file's content at once, as a secret mount does (no reader sees it half written). */
async function replaceFile(path: string, content: string): Promise<void> {
  const next = `${path}.next`;
  await writeFile(next, content);
  await rename(next, path);
}

async function grant(topic: string, role: string): Promise<void> {
  await broker.admin('POST', `${topicPath(topic)}/permissions/${role}`, ['produce', 'consume']);
}

describe('TLS', () => {
  it('produces and consumes byte-exact over pulsar+ssl, trusting our CA, with host-name verification', async () => {
    const client = tlsClient({ tlsValidateHostname: true });
    try {
      const { producer, consumer } = await openPair(client, uniqueTopic('tls-roundtrip'));
      await roundTrip(producer, consumer, samplePayloads(), 'tls');
    } finally {
      await client.close();
    }
  });

  it('accepts the certificate under its DNS name too (localhost)', async () => {
    const client = tlsClient({ serviceUrl: tlsUrl.replace('127.0.0.1', 'localhost') });
    try {
      const { producer, consumer } = await openPair(client, uniqueTopic('tls-localhost'));
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'localhost');
    } finally {
      await client.close();
    }
  });

  it('refuses a broker whose certificate another CA signed, at once and not retriable', async () => {
    const client = tlsClient({ tlsTrustCertsFilePath: broker.env.PULSAR_TLS_OTHER_CA! });
    const started = Date.now();
    try {
      const error = await client
        .createProducer({ topic: uniqueTopic('tls-wrong-ca') })
        .catch((e: unknown) => e);
      assert.ok(error instanceof ConnectionError, `got ${String(error)}`);
      assert.equal(error.retriable, false);
      assert.match(error.message, /^cannot connect to 127\.0\.0\.1:\d+: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      // No retry loop until the operation timeout: a certificate that fails once fails every time.
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      await client.close();
    }
  });

  it('refuses a host name the certificate does not carry, unless host-name checks are off', async () => {
    // 127.1 reaches the broker (inet_aton spelling of 127.0.0.1) but is neither of the certificate's names.
    const otherName = tlsUrl.replace('127.0.0.1', '127.1');
    const strict = tlsClient({ serviceUrl: otherName });
    try {
      const error = await strict.getPartitionsForTopic(uniqueTopic('tls-name')).catch((e: unknown) => e);
      assert.ok(error instanceof ConnectionError, `got ${String(error)}`);
      assert.equal(error.retriable, false);
      assert.match(error.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
    } finally {
      await strict.close();
    }
    const lenient = tlsClient({ serviceUrl: otherName, tlsValidateHostname: false });
    try {
      assert.equal(await lenient.getPartitionsForTopic(uniqueTopic('tls-name')), 0);
    } finally {
      await lenient.close();
    }
  });
});

describe('token authentication', () => {
  it('authenticates with a literal token, over TLS and over the plain listener', async () => {
    for (const serviceUrl of [tlsUrl, plainUrl]) {
      const client = tlsClient({ serviceUrl });
      try {
        const { producer, consumer } = await openPair(client, uniqueTopic('token-literal'));
        await roundTrip(producer, consumer, samplePayloads().slice(0, 5), 'literal');
      } finally {
        await client.close();
      }
    }
  });

  it('authenticates with a token supplier, asked on connect', async () => {
    let calls = 0;
    const client = tlsClient({
      authentication: AuthenticationToken.fromSupplier(async () => {
        calls++;
        return userToken;
      }),
    });
    try {
      const { producer, consumer } = await openPair(client, uniqueTopic('token-supplier'));
      await roundTrip(producer, consumer, samplePayloads().slice(0, 5), 'supplier');
      // One pooled connection: the lookup, the producer and the consumer share it.
      assert.equal(calls, 1);
    } finally {
      await client.close();
    }
  });

  it('re-reads a token file when the broker challenges the expired token it replaced', async () => {
    const file = join(scratch, 'refresh.token');
    // Valid long enough to connect and do one round; the file is rotated before it expires.
    const expiresIn = 6;
    await writeFile(file, await broker.token('test-user', expiresIn));
    const expiresAt = Date.now() + expiresIn * 1000;
    const auth = counting(AuthenticationToken.fromFile(file));
    const logged: string[] = [];
    const client = tlsClient({ authentication: auth, logger: recordingLogger(logged) });
    try {
      const { producer, consumer } = await openPair(client, uniqueTopic('token-refresh'));
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'before');
      assert.equal(auth.calls, 1);
      await replaceFile(file, userToken);
      // Once the first token expires the broker sends AUTH_CHALLENGE (refresh check every second); the client
      // answers from the file. Had it answered with the old token, the broker would close the connection.
      await waitFor('the broker to challenge the expired token', () => auth.calls >= 2, {
        timeoutMs: 30_000,
      });
      assert.ok(Date.now() >= expiresAt - 1000, 'challenged before the token expired');
      // The broker checks the answer within milliseconds and would close the connection on a bad one; a
      // second is plenty (there is no event on our side to wait for: a good answer gets no reply).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'after');
      assert.deepEqual(
        logged.filter((line) => /connection closed|lost its/.test(line)),
        [],
        'the connection was dropped instead of refreshed',
      );
    } finally {
      await client.close();
    }
  });

  it('re-reads a rotated token file when it reconnects', async () => {
    // Two roles only this test uses. The file is rotated from the old role's token to the new one's, the
    // connection drops, and then the old role loses its permission: the broker then disconnects whatever is
    // still authenticated as the old role, and an unload makes everything re-register. Producing and consuming
    // afterwards works only if the reconnect read the new token.
    const topic = uniqueTopic('token-rotate');
    const suffix = randomBytes(4).toString('hex');
    const oldRole = `rotate-old-${suffix}`;
    const newRole = `rotate-new-${suffix}`;
    await broker.admin('PUT', topicPath(topic));
    await grant(topic, oldRole);
    await grant(topic, newRole);
    const file = join(scratch, 'rotate.token');
    await writeFile(file, await broker.token(oldRole));
    const auth = counting(AuthenticationToken.fromFile(file));
    const logged: string[] = [];
    // Built from the client's parts, so the test can drop the pooled connection: unloading a topic moves its
    // producers and consumers but keeps the connection, and only a new connection sends a new token.
    const runtime = createClientRuntime({
      serviceUrl: tlsUrl,
      tlsTrustCertsFilePath: ca,
      authentication: auth,
      operationTimeoutMs: 20_000,
      logger: recordingLogger(logged),
    });
    const withLog = (error: Error): never => {
      throw new Error(`${error.message}; client log:\n${logged.join('\n')}`, { cause: error });
    };
    try {
      const consumer = await subscribe(runtime.context, {
        topic,
        subscription: 'security',
        subscriptionInitialPosition: InitialPosition.Earliest,
      });
      const producer = await createProducer(runtime.context, { topic, batchingMaxPublishDelayMs: 5 });
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'old-token');
      assert.equal(auth.calls, 1);

      await replaceFile(file, await broker.token(newRole));
      // A standalone owns every topic itself: the service host's connection is the one everybody shares.
      const host = parseServiceUrl(tlsUrl).hosts[0]!;
      (await runtime.pool.get(host, host)).close();
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'reconnected').catch(withLog);
      assert.equal(auth.calls, 2, 'one new connection, one new read of the file');

      await broker.admin('DELETE', `${topicPath(topic)}/permissions/${oldRole}`);
      // The revocation is real: a client with the old token is refused now.
      const stale = tlsClient({ authentication: AuthenticationToken.fromToken(await broker.token(oldRole)) });
      try {
        const refused = await stale.createProducer({ topic }).catch((e: unknown) => e);
        assert.ok(
          refused instanceof ServerError && refused.codeName === 'AuthorizationError',
          String(refused),
        );
      } finally {
        await stale.close();
      }
      // An unload through the admin API (as the superuser): producer and consumer register again, as the
      // role their connection authenticated with.
      await broker.admin('PUT', `${topicPath(topic)}/unload`);
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'new-token').catch(withLog);
      await producer.close();
      await consumer.close();
    } finally {
      runtime.pool.close();
    }
  });

  it('keeps producing and consuming while the superuser unloads the topic', async () => {
    const client = tlsClient();
    try {
      const topic = uniqueTopic('token-unload');
      const { producer, consumer } = await openPair(client, topic);
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'first');
      await broker.admin('PUT', `${topicPath(topic)}/unload`);
      await roundTrip(producer, consumer, samplePayloads().slice(0, 3), 'second');
    } finally {
      await client.close();
    }
  });

  for (const [what, token] of [
    ['a malformed token', async () => 'not-a-jwt'],
    ['an expired token', () => broker.token('test-user', -60)],
    [
      'a token signed with another key',
      async () => {
        const [header, body] = (await broker.token('test-user')).split('.');
        return `${header}.${body}.${randomBytes(32).toString('base64url')}`;
      },
    ],
  ] as const) {
    it(`refuses ${what}: ServerError AuthenticationError, not retriable, at once`, async () => {
      const client = tlsClient({ authentication: AuthenticationToken.fromToken(await token()) });
      const started = Date.now();
      try {
        const topic = uniqueTopic('token-bad');
        for (const attempt of [
          () => client.createProducer({ topic }),
          () => client.subscribe({ topic, subscription: 'bad' }),
        ]) {
          const error = await attempt().catch((e: unknown) => e);
          assert.ok(error instanceof ServerError, `got ${String(error)}`);
          assert.equal(error.codeName, 'AuthenticationError');
          assert.equal(error.retriable, false);
          assert.match(error.message, /^AuthenticationError: \S/);
        }
        assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      } finally {
        await client.close();
      }
    });
  }

  it('refuses a client without a token', async () => {
    const client = tlsClient({ authentication: undefined });
    try {
      const error = await client.getPartitionsForTopic(uniqueTopic('token-none')).catch((e: unknown) => e);
      assert.ok(error instanceof ServerError && error.codeName === 'AuthenticationError', String(error));
      assert.equal(error.retriable, false);
    } finally {
      await client.close();
    }
  });
});
