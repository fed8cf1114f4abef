/**
 * The agent's and the collector's HTTP servers keep idle connections longer than their clients do.
 * Node closes an idle kept-alive connection after 5 s, racing a client (a Prometheus scrape, fetch)
 * that reuses it at that moment: the request meets a closed socket ("other side closed"). Clients
 * close idle connections sooner (undici after about 4 s), so the server should never be first.
 */
import type { Server } from 'node:http';

export function outlastClientKeepAlive(server: Server): Server {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
