import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { connectionOf, type KafkaConnection } from '../../../connectors/kafka/connection';
import { ConfigError } from '../../errors';
import { projectRoot } from '../../paths';
import { listen } from '../metrics-server';
import { startBrokerFeed } from './broker-feed';
import { createDashboardState, DEFAULT_LIMITS, type DashboardLimits } from './state';

/** Where the topologies are (brokers, TLS, SASL), and how the page is served. */
export interface DashboardConfig extends KafkaConnection {
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1. Any other address exposes the topologies' data to that network: only when asked. */
  host?: string;
  /** Only topologies whose name starts with this. */
  prefix?: string;
  /** How often changes are pushed to the pages. */
  pushEveryMs?: number;
  pollEveryMs?: number;
  /** Longest the broker holds a topic reader's fetch open while its topic is idle (see broker-feed.ts). */
  followWaitMs?: number;
  limits?: Partial<DashboardLimits>;
  log?(line: string): void;
}

export interface Dashboard {
  url: string;
  port: number;
  /** Resolves once the broker has been looked at once. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The page's files, served as they are from the package: no build step. They live next to this module's
 * source (`src/observability/dashboard/static/`, which the package must ship); the compiled module finds
 * them there from `dist/`. A missing file fails the start, naming it, rather than the first page view.
 */
function assets(): Map<string, { path: string; type: string }> {
  const beside = join(__dirname, 'static');
  const page = existsSync(beside) ? beside : join(projectRoot(), 'src', 'observability', 'dashboard', 'static');
  // uPlot's own files, wherever npm put the package.
  const uplot = (file: string) => require.resolve(`uplot/dist/${file}`);
  const files = new Map([
    ['/', { path: join(page, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/app.js', { path: join(page, 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['/app.css', { path: join(page, 'app.css'), type: 'text/css; charset=utf-8' }],
    ['/vendor/uPlot.iife.min.js', { path: uplot('uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.min.css', { path: uplot('uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
  for (const { path } of files.values())
    if (!existsSync(path)) throw new ConfigError(`the dashboard's page file ${path} is missing: the package must ship src/observability/dashboard/static/`);
  return files;
}

/**
 * Scripts only from this origin, no inline script, no plugins, no framing: even if a hostile record's
 * text were ever put into the page as markup, the browser would refuse to run it. uPlot sets inline
 * styles, hence `style-src 'unsafe-inline'` (styles cannot run script).
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * On loopback, the `Host` names a request may carry: a page of another site that rebinds its DNS name to
 * 127.0.0.1 sends its own name, and is refused. With an explicit `--host` the user chose who may connect.
 */
function allowedHosts(host: string, port: number): Set<string> | undefined {
  return LOOPBACK.has(host) ? new Set(['127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${port}`)) : undefined;
}

/**
 * `streamlearn dashboard`: one page showing every topology on the broker (models, versions and lag,
 * learning curves with drift marks, importance ranking, dead letters, records/s and checkpoint latency),
 * updated by server-sent events. It reads the broker it was pointed at and nothing else.
 */
export async function startDashboard(config: DashboardConfig): Promise<Dashboard> {
  const { port = 8080, host = '127.0.0.1', prefix = '', pushEveryMs = 250, log = () => undefined } = config;
  const state = createDashboardState({ ...DEFAULT_LIMITS, ...config.limits });
  const files = assets();
  const clients = new Set<ServerResponse>();
  let hosts: Set<string> | undefined = new Set<string>();

  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const events = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    send(res, 'hello', { prefix, limits: { ...DEFAULT_LIMITS, ...config.limits } });
    for (const name of state.names()) send(res, 'topology', state.view(name));
    clients.add(res);
    req.on('close', () => clients.delete(res));
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (hosts && !hosts.has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end(`this dashboard answers to ${[...hosts].join(', ')} only\n`);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('read-only: GET only\n');
      return;
    }
    if (path === '/events') return events(req, res);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type }).end(readFileSync(file.path));
  });

  const bound = await listen(server, port, host, 'the dashboard');
  hosts = allowedHosts(host, bound);
  const feed = startBrokerFeed({ connection: connectionOf(config), prefix, state, pollEveryMs: config.pollEveryMs, followWaitMs: config.followWaitMs, log });
  const push = setInterval(() => {
    for (const name of state.takeChanged()) {
      const view = state.view(name);
      for (const client of clients) send(client, 'topology', view);
    }
  }, pushEveryMs);
  const heartbeat = setInterval(() => clients.forEach((client) => client.write(': keep-alive\n\n')), 15_000);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    port: bound,
    ready: feed.ready,
    async close() {
      clearInterval(push);
      clearInterval(heartbeat);
      for (const client of clients) client.end();
      await feed.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
