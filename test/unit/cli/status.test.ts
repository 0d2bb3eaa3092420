// `pf-bash status` and `pf-bash stats` against small HTTP servers on 127.0.0.1 that answer as instances do:
// one document as it is, several merged, failures named by URL with exit code 1.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../../src/cli/args.ts';
import { statsCommand } from '../../../src/cli/stats.ts';
import { statusCommand } from '../../../src/cli/status.ts';
import {
  type FunctionInstanceStats,
  type FunctionStatus,
  mergeFunctionStats,
  mergeFunctionStatus,
} from '../../../src/runtime/metrics/index.ts';
import { fakeIo } from './support.ts';

function status(instanceId: number, received: number): FunctionStatus {
  return {
    numInstances: 1,
    numRunning: 1,
    instances: [
      {
        instanceId,
        status: {
          running: true,
          error: '',
          numRestarts: 0,
          numReceived: received,
          numSuccessfullyProcessed: received,
          numUserExceptions: 0,
          latestUserExceptions: [],
          numSystemExceptions: 0,
          latestSystemExceptions: [],
          averageLatency: 2,
          lastInvocationTime: 1000 + instanceId,
          workerId: `pod-${instanceId}`,
        },
      },
    ],
  };
}

function instanceStats(instanceId: number, received: number): FunctionInstanceStats {
  const base = {
    receivedTotal: received,
    processedSuccessfullyTotal: received,
    systemExceptionsTotal: 0,
    userExceptionsTotal: 0,
    avgProcessLatency: 2 + instanceId,
  };
  return {
    instanceId,
    metrics: { ...base, '1min': base, lastInvocation: 1000 + instanceId, userMetrics: {} },
  };
}

/** An instance's /status and /stats; anything else 404, as the runtime answers. */
function instanceServer(instanceId: number, received: number): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const documents: Record<string, unknown> = {
      '/status': status(instanceId, received),
      '/stats': mergeFunctionStats([instanceStats(instanceId, received)]),
    };
    const document = documents[request.url ?? ''];
    response.writeHead(document === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(document ?? { error: 'not found' }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

describe('status and stats of running instances', () => {
  let first: { server: Server; url: string };
  let second: { server: Server; url: string };
  let closedUrl: string;

  before(async () => {
    first = await instanceServer(1, 5);
    second = await instanceServer(0, 7);
    const closed = await instanceServer(9, 0);
    closedUrl = closed.url;
    await new Promise((resolve) => closed.server.close(resolve));
  });

  after(() => {
    first.server.close();
    second.server.close();
  });

  it('prints one instance’s status as it answers it, given host:port', async () => {
    const io = fakeIo();
    assert.equal(await statusCommand(['--url', first.url.replace('http://', '')], io), ExitCode.Ok);
    assert.deepEqual(JSON.parse(io.stdout.text), status(1, 5));
  });

  it('merges several instances’ status, with the parallelism given', async () => {
    const io = fakeIo();
    const code = await statusCommand(['--url', first.url, '--url', `${second.url}/`, '--instances', '3'], io);
    assert.equal(code, ExitCode.Ok, io.stderr.text);
    assert.deepEqual(JSON.parse(io.stdout.text), mergeFunctionStatus([status(1, 5), status(0, 7)], 3));
  });

  it('combines several instances’ stats the way Pulsar does', async () => {
    const io = fakeIo();
    assert.equal(await statsCommand(['--url', first.url, '--url', second.url], io), ExitCode.Ok);
    const stats = JSON.parse(io.stdout.text);
    assert.deepEqual(stats, mergeFunctionStats([instanceStats(1, 5), instanceStats(0, 7)]));
    assert.equal(stats.receivedTotal, 12);
    assert.equal(stats.avgProcessLatency, 2.5);
  });

  it('names an instance that does not answer, prints the others, and exits 1', async () => {
    const io = fakeIo();
    assert.equal(await statusCommand(['--url', first.url, '--url', closedUrl], io), ExitCode.Failure);
    assert.deepEqual(JSON.parse(io.stdout.text), mergeFunctionStatus([status(1, 5)]));
    assert.equal(io.stderr.text, `pf-bash status: ${closedUrl}/status: ECONNREFUSED\n`);
  });

  it('refuses an answer that is not a pf-bash document', async () => {
    const io = fakeIo();
    assert.equal(await statsCommand(['--url', `${first.url}/nothing`], io), ExitCode.Failure);
    assert.equal(io.stdout.text, '');
    assert.equal(io.stderr.text, `pf-bash stats: HTTP 404 from ${first.url}/nothing/stats\n`);
  });
});
