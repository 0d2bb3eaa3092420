// A signal while the instance starts: start gives way, closes what it opened, and the instance exits 0.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { FunctionExecutor } from '../../../../src/runtime/function-executor/index.ts';
import { Instance } from '../../../../src/runtime/instance/index.ts';
import { createInstanceLogging } from '../../../../src/runtime/logging/index.ts';
import { configFrom } from '../processor/harness.ts';

const executor: FunctionExecutor = {
  run: () => Promise.reject(new Error('no message is expected')),
};

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('Instance start', () => {
  it('gives way to a SIGTERM that comes while it starts: HTTP server closed, nothing subscribed, exit 0', async () => {
    // Port 9 (discard) refuses connections: a subscription would fail or retry, never succeed.
    const config = configFrom({ PF_HTTP_PORT: '0', PF_SERVICE_URL: 'pulsar://127.0.0.1:9' });
    const signals = new EventEmitter();
    const destination = new Writable({ write: (_chunk, _encoding, done) => done() });
    const starting = Instance.start({
      config,
      signals,
      executor,
      httpHost: '127.0.0.1',
      logging: createInstanceLogging({ destination }),
    });
    // Start has registered its signal handlers and now awaits the HTTP server's listen.
    signals.emit('SIGTERM');
    const instance = await starting;
    assert.equal(await instance.finished, 0);
    const port = instance.http?.port;
    assert.ok(port !== undefined);
    assert.equal(await refused(port), true, 'the HTTP server is closed');
    assert.equal(instance.health.liveness().ok, true, 'stopped, not failed');
  });
});
