import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The balancer the replica tests and `bench:replicas` put in front of `serve --http` replicas: what
 * an operator configures in NGINX, HAProxy or an ingress (docs/operations/scale-out.md). A request
 * whose `mcp-session-id` starts with `<replica>.` goes to that replica; any other request (an
 * `initialize`, a probe) goes to the next replica in turn. Bodies stream both ways (SSE included),
 * nothing is buffered.
 */
export interface Balancer {
  url: URL;
  /** Requests sent to each replica, by name. */
  counts: Record<string, number>;
  /** Takes a replica out of the rotation (its sessions' requests get 502, as from a balancer whose backend died). */
  remove(name: string): void;
  close(): Promise<void>;
}

export async function startBalancer(replicas: Record<string, URL>): Promise<Balancer> {
  const names = Object.keys(replicas);
  const live = new Set(names);
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let next = 0;
  const pick = (req: IncomingMessage): string | undefined => {
    const session = req.headers['mcp-session-id'];
    const owner = typeof session === 'string' ? /^([A-Za-z0-9-]{1,63})\./.exec(session)?.[1] : undefined;
    if (owner !== undefined && owner in replicas) return live.has(owner) ? owner : undefined;
    const pool = names.filter((n) => live.has(n));
    if (pool.length === 0) return undefined;
    return pool[next++ % pool.length];
  };
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const name = pick(req);
    if (name === undefined) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no live replica for this request');
      return;
    }
    counts[name]!++;
    const target = replicas[name]!;
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`replica ${name} is unreachable`);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  const server: Server = createServer(forward);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    counts,
    remove: (name) => void live.delete(name),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
