// The instance's HTTP port on node:http: probes, metrics and status (routes.ts has the contract). Binds
// 0.0.0.0 by default because the kubelet probes the pod's IP; tests bind 127.0.0.1 and port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../../pulsar/util/index.ts';
import type { ObservabilityProvider } from './provider.ts';
import { route } from './routes.ts';

export interface ObservabilityServerOptions {
  readonly provider: ObservabilityProvider;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Default `0.0.0.0`. */
  readonly host?: string;
  readonly logger?: Logger;
}

export interface ObservabilityServer {
  readonly host: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Stops listening and ends open connections; idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_HTTP_HOST = '0.0.0.0';

/** Listens, or rejects with the listen error (e.g. EADDRINUSE). */
export async function startObservabilityServer(
  options: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const server = createServer((req, res) => {
    void respond(req, res, options.provider, logger);
  });
  // Probes are tiny; a client that dawdles is cut off rather than holding a socket.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port: options.port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'observability HTTP server error'));
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger.info({ host, port }, 'observability HTTP server listening');
  return { host, port, url: `http://${urlHost}:${port}`, close: closer(server) };
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  provider: ObservabilityProvider,
  logger: Logger,
): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    const answer = await route(method, req.url ?? '/', provider);
    res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    // Node sends no body for HEAD on its own; end() without one keeps that explicit.
    res.end(method === 'HEAD' ? undefined : answer.body);
  } catch (error) {
    logger.error({ err: error, url: req.url }, 'observability HTTP request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = '{"error":"internal error"}\n';
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(method === 'HEAD' ? undefined : body);
  }
}

function closer(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive sockets (Prometheus keeps one open) would hold close() up until they time out.
      server.closeAllConnections();
    });
    return closing;
  };
}
