import { createServer } from 'node:http';
import type { ObservableClient } from '../sse/observable.js';
import { createDashboardHandler, type DashboardOptions } from './handler.js';

export interface DashboardServerOptions extends Omit<DashboardOptions, 'client'> {
  /** @default 0 (any free port) */
  readonly port?: number | undefined;
  /** Loopback by default: the page has no auth of its own. @default '127.0.0.1' */
  readonly host?: string | undefined;
}

export interface DashboardServer {
  /** Address of the page, e.g. `http://127.0.0.1:53123/`. */
  readonly url: string;
  /** Stops the server, ending open event streams and the history recording (which removes their listeners). */
  close(): Promise<void>;
}

/**
 * Starts a standalone HTTP server with only the dashboard on it: for demos and
 * local debugging. In an app, mount {@link createDashboardHandler} instead.
 */
export async function startDashboardServer(client: ObservableClient, options: DashboardServerOptions = {}): Promise<DashboardServer> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const handler = createDashboardHandler({ client, ...rest });
  const server = createServer((req, res) => handler.node(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const base = (rest.basePath ?? '/').replace(/\/+$/, '');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${actualPort}${base}/`,
    close: () =>
      new Promise<void>((resolve) => {
        handler.dispose();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
