import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PulsarConnection } from '../../../../src/pulsar/connection/connection.ts';
import { ConnectionPool } from '../../../../src/pulsar/connection/pool.ts';
import { AlreadyClosedError, ConnectionError } from '../../../../src/pulsar/errors.ts';
import { silentLogger } from '../../../../src/pulsar/util/index.ts';
import { FakeClock, settle } from '../../../support/fake-clock.ts';
import { answerConnect, FakeTransport } from '../../../support/fake-transport.ts';
import { connectionOptions } from './helpers.ts';

/** A pool whose factory handshakes over fake transports, counting dials per address pair. */
function fakePool() {
  const clock = new FakeClock();
  const dials: Array<{ logical: string; physical: string; transport: FakeTransport }> = [];
  let failNext: Error | undefined;
  const pool = new ConnectionPool(async (logical, physical) => {
    await settle();
    if (failNext !== undefined) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    const transport = new FakeTransport();
    answerConnect(transport);
    dials.push({ logical, physical, transport });
    return PulsarConnection.open(
      connectionOptions(transport, clock, { logicalAddress: logical, physicalAddress: physical }),
    );
  }, silentLogger);
  return {
    pool,
    dials,
    failNextDial(error: Error) {
      failNext = error;
    },
  };
}

describe('ConnectionPool', () => {
  it('shares one dial among concurrent gets for the same address pair', async () => {
    const { pool, dials } = fakePool();
    const got = await Promise.all([1, 2, 3, 4].map(() => pool.get('b1:6650', 'b1:6650')));
    assert.equal(dials.length, 1);
    assert.ok(got.every((c) => c === got[0]));
    assert.equal(await pool.get('b1:6650', 'b1:6650'), got[0]);
    assert.equal(dials.length, 1);
    assert.equal(pool.size, 1);
  });

  it('keeps one connection per (logical, physical) pair', async () => {
    const { pool, dials } = fakePool();
    const direct = await pool.get('b1:6650', 'b1:6650');
    const viaProxy = await pool.get('b1:6650', 'proxy:6650');
    const other = await pool.get('b2:6650', 'proxy:6650');
    assert.equal(dials.length, 3);
    assert.notEqual(direct, viaProxy);
    assert.notEqual(viaProxy, other);
    assert.equal(viaProxy.isProxied, true);
    assert.equal(dials[1]?.transport.sent[0]?.connect?.proxyToBrokerUrl, 'b1:6650');
  });

  it('drops a closed connection so the next get dials again', async () => {
    const { pool, dials } = fakePool();
    const first = await pool.get('b1:6650', 'b1:6650');
    dials[0]!.transport.peerClose(new Error('reset'));
    assert.equal(first.isClosed, true);
    assert.equal(pool.size, 0);
    const second = await pool.get('b1:6650', 'b1:6650');
    assert.notEqual(second, first);
    assert.equal(dials.length, 2);
  });

  it('does not cache a failed dial', async () => {
    const { pool, dials, failNextDial } = fakePool();
    failNextDial(new ConnectionError('refused'));
    const results = await Promise.allSettled([
      pool.get('b1:6650', 'b1:6650'),
      pool.get('b1:6650', 'b1:6650'),
    ]);
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof ConnectionError));
    await pool.get('b1:6650', 'b1:6650');
    assert.equal(dials.length, 1);
  });

  it('close() closes every connection and refuses later gets', async () => {
    const { pool, dials } = fakePool();
    const a = await pool.get('b1:6650', 'b1:6650');
    const b = await pool.get('b2:6650', 'b2:6650');
    pool.close();
    assert.equal(a.isClosed && b.isClosed, true);
    assert.ok(dials.every((d) => d.transport.closed));
    await assert.rejects(pool.get('b1:6650', 'b1:6650'), AlreadyClosedError);
  });

  it('closes a connection whose dial finishes after the pool closed', async () => {
    const { pool, dials } = fakePool();
    const pending = pool.get('b1:6650', 'b1:6650');
    pool.close();
    await assert.rejects(pending, AlreadyClosedError);
    assert.equal(dials[0]?.transport.closed, true);
  });
});
