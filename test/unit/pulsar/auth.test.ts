import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthenticationToken } from '../../../src/pulsar/auth.ts';
import { createClient } from '../../../src/pulsar/client.ts';
import { AuthenticationError, InvalidArgumentError } from '../../../src/pulsar/errors.ts';
import { BaseCommand_Type as T } from '../../../src/pulsar/protocol/index.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { fakeBrokerDialer } from '../../support/fake-transport.ts';

const decoder = new TextDecoder();
const dir = mkdtempSync(join(tmpdir(), 'pf-bash-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('AuthenticationToken', () => {
  it('fromToken gives the token, trimmed', async () => {
    const auth = AuthenticationToken.fromToken(' abc.def \n');
    assert.equal(auth.methodName, 'token');
    assert.equal(decoder.decode(await auth.getAuthData()), 'abc.def');
  });

  it('fromFile reads the file on every call (file:// accepted)', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'one\n');
    const auth = AuthenticationToken.fromFile(`file://${path}`);
    assert.equal(decoder.decode(await auth.getAuthData()), 'one');
    writeFileSync(path, 'two\n');
    assert.equal(decoder.decode(await auth.getAuthData()), 'two');
  });

  it('fromSupplier calls the supplier every time, sync or async', async () => {
    let n = 0;
    const auth = AuthenticationToken.fromSupplier(async () => `t${++n}`);
    assert.equal(decoder.decode(await auth.getAuthData()), 't1');
    assert.equal(decoder.decode(await auth.getAuthData()), 't2');
  });

  it('turns missing files, failing suppliers and empty tokens into AuthenticationError', async () => {
    await assert.rejects(
      AuthenticationToken.fromFile(join(dir, 'missing')).getAuthData(),
      AuthenticationError,
    );
    await assert.rejects(
      AuthenticationToken.fromSupplier(() => {
        throw new Error('vault down');
      }).getAuthData(),
      AuthenticationError,
    );
    await assert.rejects(AuthenticationToken.fromSupplier(() => '  ').getAuthData(), AuthenticationError);
  });

  it('marks failures to get the token retriable: a rotated file or a supplier may recover', async () => {
    const path = join(dir, 'rotated-away');
    const auth = AuthenticationToken.fromFile(path);
    for (const failing of [auth, AuthenticationToken.fromSupplier(() => '')]) {
      await assert.rejects(failing.getAuthData(), (error: unknown) => {
        assert.ok(error instanceof AuthenticationError);
        assert.equal(error.retriable, true);
        return true;
      });
    }
    writeFileSync(path, 'back');
    assert.equal(decoder.decode(await auth.getAuthData()), 'back');
  });

  it('rejects bad arguments up front', () => {
    assert.throws(() => AuthenticationToken.fromToken(''), InvalidArgumentError);
    assert.throws(() => AuthenticationToken.fromFile(''), InvalidArgumentError);
  });

  it('re-reads a token file on reconnect: the second CONNECT carries the new token', async () => {
    const path = join(dir, 'rotating');
    writeFileSync(path, 'token-v1');
    const { dial, transports } = fakeBrokerDialer((cmd) =>
      cmd.type === T.PARTITIONED_METADATA
        ? {
            type: T.PARTITIONED_METADATA_RESPONSE,
            partitionMetadataResponse: { requestId: cmd.partitionMetadata!.requestId, partitions: 2 },
          }
        : undefined,
    );
    const client = createClient(
      {
        serviceUrl: 'pulsar://127.0.0.1:6650',
        authentication: AuthenticationToken.fromFile(path),
        clock: new FakeClock(),
      },
      { dial },
    );
    assert.equal(await client.getPartitionsForTopic('t'), 2);
    transports[0]!.peerClose(new Error('broker restarted'));
    writeFileSync(path, 'token-v2');
    assert.equal(await client.getPartitionsForTopic('t'), 2);
    assert.equal(transports.length, 2);
    const tokens = transports.map((t) => decoder.decode(t.sentOfType(T.CONNECT)[0]?.connect?.authData));
    assert.deepEqual(tokens, ['token-v1', 'token-v2']);
    await client.close();
  });
});
