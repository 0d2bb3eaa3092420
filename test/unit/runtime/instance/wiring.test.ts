// The instance's small pure parts: client options from the broker settings, and connection-loss logging.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../../src/pulsar/index.ts';
import type { BrokerConfig } from '../../../../src/runtime/config/index.ts';
import { clientOptionsFor, watchConnection } from '../../../../src/runtime/instance/index.ts';
import { FakeClock } from '../../../support/fake-clock.ts';
import { MemoryLogger } from '../processor/fakes.ts';

const broker: BrokerConfig = {
  serviceUrl: 'pulsar+ssl://broker:6651',
  auth: { kind: 'none' },
  tlsTrustCertsFilePath: '/certs/ca.pem',
  tlsAllowInsecureConnection: false,
  tlsValidateHostname: true,
};

describe('clientOptionsFor', () => {
  it('passes URL and TLS settings, and no authentication when none is configured', () => {
    const options = clientOptionsFor(broker, silentLogger);
    assert.equal(options.serviceUrl, 'pulsar+ssl://broker:6651');
    assert.equal(options.tlsTrustCertsFilePath, '/certs/ca.pem');
    assert.equal(options.tlsValidateHostname, true);
    assert.equal(options.authentication, undefined);
  });

  it('sends an inline token as given', async () => {
    const options = clientOptionsFor(
      { ...broker, auth: { kind: 'token', token: 'abc.def.ghi' } },
      silentLogger,
    );
    assert.equal(options.authentication?.methodName, 'token');
    assert.equal(Buffer.from(await options.authentication!.getAuthData()).toString(), 'abc.def.ghi');
  });

  it('reads a token file on every connect', () => {
    const options = clientOptionsFor(
      { ...broker, auth: { kind: 'tokenFile', path: '/no/such/token' } },
      silentLogger,
    );
    assert.equal(options.authentication?.methodName, 'token');
    assert.equal(options.tlsTrustCertsFilePath, '/certs/ca.pem');
  });
});

describe('watchConnection', () => {
  it('logs the loss once and the recovery with how long it lasted', () => {
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    let connected = true;
    const timer = watchConnection(() => connected, { clock, logger, intervalMs: 1000 });
    clock.advance(3000);
    connected = false;
    clock.advance(5000);
    connected = true;
    clock.advance(1000);
    timer.cancel();
    assert.deepEqual(
      logger.lines.map((l) => l.message),
      ['connection to the broker lost; the client is reconnecting', 'connection to the broker recovered'],
    );
    assert.equal(logger.lines[1]!.fields.downMs, 5000);
  });
});
