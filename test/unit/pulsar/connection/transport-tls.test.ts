// The socket dialer against real local servers: a node:tls server with self-signed certificates made by
// openssl for this run (real handshakes, real hostname checks) that speaks just enough of the protocol to
// check the token in CONNECT; and plain TCP for refused and hanging connects.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { AuthenticationToken } from '../../../../src/pulsar/auth.ts';
import { PulsarConnection } from '../../../../src/pulsar/connection/connection.ts';
import { FrameReader } from '../../../../src/pulsar/connection/frame-reader.ts';
import {
  type DialOptions,
  dialSocket,
  type TlsSettings,
} from '../../../../src/pulsar/connection/transport.ts';
import { ConnectionError, ServerError, ServerErrorCode } from '../../../../src/pulsar/errors.ts';
import { decodeFrame, encodeCommand, BaseCommand_Type as T } from '../../../../src/pulsar/protocol/index.ts';
import { type Clock, silentLogger, systemClock } from '../../../../src/pulsar/util/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { command } from '../../../support/fake-transport.ts';

const TOKEN = 'good-token';
const dir = mkdtempSync(join(tmpdir(), 'pf-bash-tls-'));

interface Pem {
  key: string;
  cert: string;
}

/** A self-signed EC certificate whose subjectAltName is `san` (e.g. `IP:127.0.0.1`). */
function selfSigned(name: string, san: string): Pem {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat(['-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert]),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** A TLS server that answers CONNECT: CONNECTED when the token is TOKEN, ERROR otherwise. */
async function stubBroker(pem: Pem): Promise<{ address: string; close(): Promise<void> }> {
  const server = tls.createServer({ key: pem.key, cert: pem.cert }, (socket) => {
    const reader = new FrameReader(1024 * 1024);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const frame of reader.push(chunk)) {
        const cmd = decodeFrame(frame).command;
        if (cmd.type !== T.CONNECT) continue;
        const token = new TextDecoder().decode(cmd.connect?.authData);
        socket.write(
          encodeCommand(
            token === TOKEN
              ? command({ type: T.CONNECTED, connected: { serverVersion: 'stub', protocolVersion: 19 } })
              : command({
                  type: T.ERROR,
                  error: { requestId: 0n, error: ServerErrorCode.AuthenticationError, message: 'bad token' },
                }),
          ),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function dialOptions(
  address: string,
  tlsSettings: TlsSettings | undefined,
  clock: Clock = systemClock,
): DialOptions {
  return { address, tls: tlsSettings, timeoutMs: 5_000, clock };
}

async function handshake(
  address: string,
  tlsSettings: TlsSettings,
  token = TOKEN,
): Promise<PulsarConnection> {
  const transport = await dialSocket(dialOptions(address, tlsSettings));
  return PulsarConnection.open({
    transport,
    logicalAddress: address,
    physicalAddress: address,
    authentication: AuthenticationToken.fromToken(token),
    clock: systemClock,
    logger: silentLogger,
    keepAliveIntervalMs: 30_000,
    operationTimeoutMs: 5_000,
    handshakeTimeoutMs: 5_000,
  });
}

describe('TLS dialing', () => {
  let matching: Pem;
  let mismatched: Pem;
  let goodBroker: { address: string; close(): Promise<void> };
  let wrongNameBroker: { address: string; close(): Promise<void> };

  before(async () => {
    matching = selfSigned('matching', 'IP:127.0.0.1');
    mismatched = selfSigned('mismatched', 'DNS:broker.invalid');
    goodBroker = await stubBroker(matching);
    wrongNameBroker = await stubBroker(mismatched);
  });
  after(async () => {
    await goodBroker.close();
    await wrongNameBroker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const strict = (ca: string | undefined): TlsSettings => ({
    ca,
    allowInsecureConnection: false,
    validateHostname: true,
  });

  it('handshakes over TLS with a trusted certificate whose name matches, sending the token', async () => {
    const connection = await handshake(goodBroker.address, strict(matching.cert));
    assert.equal(connection.isClosed, false);
    connection.close();
  });

  it('fails the Pulsar handshake with ServerError when the token is wrong', async () => {
    const error = await handshake(goodBroker.address, strict(matching.cert), 'bad').catch((e: unknown) => e);
    assert.ok(error instanceof ServerError);
    assert.equal(error.code, ServerErrorCode.AuthenticationError);
  });

  it('refuses a certificate whose name does not match, with a non-retriable ConnectionError', async () => {
    const error = await dialSocket(dialOptions(wrongNameBroker.address, strict(mismatched.cert))).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.retriable, false);
    assert.match(error.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('accepts that certificate when hostname validation is off (the chain is still checked)', async () => {
    const connection = await handshake(wrongNameBroker.address, {
      ...strict(mismatched.cert),
      validateHostname: false,
    });
    connection.close();
    // Chain still checked: trusting a different CA fails even without the name check.
    const error = await dialSocket(
      dialOptions(wrongNameBroker.address, { ...strict(matching.cert), validateHostname: false }),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionError);
  });

  it('refuses an untrusted certificate unless insecure connections are allowed', async () => {
    const error = await dialSocket(dialOptions(goodBroker.address, strict(undefined))).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.retriable, false);
    const connection = await handshake(goodBroker.address, {
      ...strict(undefined),
      allowInsecureConnection: true,
    });
    connection.close();
  });
});

describe('TCP dialing', () => {
  it('reports a refused connection as a retriable ConnectionError naming the address', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await dialSocket(dialOptions(`127.0.0.1:${port}`, undefined)).catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.retriable, true);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });

  it('end() delivers bytes written in the same tick before closing', async () => {
    let received = 0;
    let peerClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      peerClosed = resolve;
    });
    const server = net.createServer((socket) => {
      socket.on('data', (chunk) => {
        received += chunk.length;
      });
      socket.on('end', () => {
        socket.end();
        peerClosed();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const transport = await dialSocket(dialOptions(`127.0.0.1:${port}`, undefined));
    const transportClosed = new Promise<Error | undefined>((resolve) =>
      transport.start({ onData: () => {}, onDrain: () => {}, onClose: resolve }),
    );
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 32; i++) transport.write(chunk);
    transport.end();
    await closed;
    assert.equal(received, 32 * chunk.length);
    assert.equal(await transportClosed, undefined, 'a clean close reports no error');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('times out (on the injected clock) when the TLS handshake never completes', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const clock = new FakeClock();
    const dialing = dialSocket(
      dialOptions(
        `127.0.0.1:${port}`,
        { ca: undefined, allowInsecureConnection: true, validateHostname: false },
        clock,
      ),
    ).catch((e: unknown) => e);
    clock.advance(5_000);
    const error = await dialing;
    assert.ok(error instanceof ConnectionError);
    assert.match(error.message, /timed out after 5000 ms/);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
