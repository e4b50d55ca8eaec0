import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError } from '../errors';

export interface MetricsServerConfig {
  /** 0 picks a free port (see `port` on the result). */
  port: number;
  /** Loopback unless asked: an exporter shows model names and offsets, which not every network should see. */
  host?: string;
}

export interface MetricsServer {
  /** Where the topology, serving and process metrics are registered. */
  registry: Registry;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Binds `host:port` and resolves once listening, or rejects naming the address (e.g. a port in use). */
export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ConfigError(`${what} cannot listen on ${host}:${port}: ${err.code ?? err.message}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Serves `GET /metrics` in the Prometheus text format from a registry of its own, with prom-client's
 * default process metrics (CPU, memory, event-loop delay, GC) alongside whatever the caller registers.
 */
export async function startMetricsServer({ port, host = '127.0.0.1' }: MetricsServerConfig): Promise<MetricsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${String(err)}\n`),
    );
  });
  const bound = await listen(server, port, host, 'the metrics endpoint');
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    registry,
    port: bound,
    url: `http://${shownHost}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        registry.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
