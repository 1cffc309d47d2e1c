import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MagsagError, toMagsagError } from '@magsag/core';
import { readBench } from './bench.ts';
import type { UiDeps } from './deps.ts';
import { countTokens } from './tokens.ts';

/** The only address `magsag ui` binds: loopback, never the network. */
export const uiHost = '127.0.0.1';

/** The session cookie's name. */
export const uiCookie = 'magsag_ui';

/** The page's bundled assets (esbuild, at build time): `<package>/dist/web/`. */
export const webAssetsDir = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** Options of {@link startUi}. */
export interface StartUiOptions {
  /** The port; 0 (the default) picks a free one. */
  port?: number;
  /** Largest JSON request body, in bytes. @default 1 MiB */
  maxBodyBytes?: number;
}

/** A running UI server. */
export interface UiServer {
  /** `http://127.0.0.1:<port>/#token=<one-time token>`: open it once; the token is then spent. */
  url: string;
  port: number;
  /** Cancels the runs in flight and closes the server. */
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

// The page loads only its own bundle; CodeMirror sets inline styles, nothing else is inline.
const securityHeaders = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === uiCookie) return rest.join('=');
  }
  return undefined;
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // A form or a "simple" cross-site request cannot send application/json without a preflight.
  if (type !== 'application/json') throw new HttpError(415, 'State-changing calls take a JSON body (Content-Type: application/json).');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `The request body is over ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'The request body is not JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

const str = (body: Record<string, unknown>, key: string, max = 1_000_000): string => {
  const value = body[key];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new HttpError(400, `"${key}" must be a non-empty string.`);
  return value;
};

/** How many of the most recently used workspaces the run history reads. */
export const historyWorkspaces = 50;

const ticketPattern = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Starts the `magsag ui` server on 127.0.0.1: the page's assets, and a JSON API under `/api/`
 * behind the Host/Origin guard of `serve --http` and a session cookie. The cookie (HttpOnly,
 * SameSite=Strict) is given once, for the one-time token in the printed URL's fragment; every
 * `/api/` call but that exchange needs it, and every call that changes something is a POST with a
 * JSON body.
 */
export async function startUi(deps: UiDeps, options: StartUiOptions = {}): Promise<UiServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  let oneTimeToken: string | undefined = randomBytes(32).toString('base64url');
  const sessionSecret = randomBytes(32).toString('base64url');
  const runs = new Map<string, AbortController>();
  let guard: ReturnType<UiDeps['createGuard']> = () => ({ status: 403, reason: 'Forbidden: the server is starting' });

  const running = async (res: ServerResponse, ticket: unknown, work: (signal: AbortSignal) => Promise<unknown>): Promise<unknown> => {
    if (typeof ticket !== 'string' || !ticketPattern.test(ticket)) throw new HttpError(400, '"ticket" must be 8 to 64 letters, digits, - or _ (the page picks one per run, to cancel it).');
    if (runs.has(ticket)) throw new HttpError(409, `A run with ticket ${ticket} is already running.`);
    const controller = new AbortController();
    runs.set(ticket, controller);
    // A page closed (or reloaded) while its run goes on: nobody will read the answer, so the run ends.
    const gone = (): void => {
      if (!res.writableFinished) controller.abort(new Error('the page went away'));
    };
    res.once('close', gone);
    try {
      return await work(controller.signal);
    } finally {
      res.off('close', gone);
      runs.delete(ticket);
    }
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /api/session') {
      const body = await readJson(req, 4096);
      const token = typeof body['token'] === 'string' ? body['token'] : '';
      if (oneTimeToken === undefined || !sameSecret(token, oneTimeToken)) {
        throw new HttpError(403, 'This link was already used or is wrong: start `magsag ui` again for a new one.');
      }
      oneTimeToken = undefined;
      send(res, 200, { ok: true }, { 'set-cookie': `${uiCookie}=${sessionSecret}; HttpOnly; SameSite=Strict; Path=/` });
      return;
    }
    const cookie = cookieOf(req);
    if (cookie === undefined || !sameSecret(cookie, sessionSecret)) throw new HttpError(401, 'No session: open the link `magsag ui` printed.');
    if (req.method === 'POST') {
      const body = await readJson(req, maxBodyBytes);
      switch (url.pathname) {
        case '/api/servers/test':
          return send(res, 200, await deps.testServer(str(body, 'id', 200)));
        case '/api/typecheck':
          return send(res, 200, { diagnostics: await deps.typecheck(str(body, 'code')) });
        case '/api/run':
          return send(res, 200, await running(res, body['ticket'], (signal) => deps.run({ code: str(body, 'code'), signal })));
        case '/api/skills/run':
          return send(res, 200, await running(res, body['ticket'], (signal) => deps.runSkill({ name: str(body, 'name', 200), input: body['input'], signal })));
        case '/api/cancel': {
          const controller = runs.get(str(body, 'ticket', 64));
          controller?.abort(new Error('cancelled from magsag ui'));
          return send(res, 200, { cancelled: controller !== undefined });
        }
        case '/api/tokens':
          return send(res, 200, { tokens: await countTokens(typeof body['text'] === 'string' ? body['text'] : '') });
        case '/api/approvals/decide':
          return send(res, 200, await deps.decideApproval(str(body, 'id', 200), body['approved'] === true));
        default:
          throw new HttpError(404, `No API route POST ${url.pathname}.`);
      }
    }
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not served; state-changing calls are POST.`);
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent);
    switch (url.pathname.split('/')[2]) {
      case 'overview': {
        const bench = readBench(deps.root);
        return send(res, 200, { project: path.basename(deps.root), bench: Object.keys(bench).length > 0 });
      }
      case 'servers':
        return send(res, 200, await deps.servers());
      case 'tools':
        return send(res, 200, await deps.tools());
      case 'search': {
        const detail = url.searchParams.get('detail') ?? 'summary';
        if (detail !== 'name' && detail !== 'summary' && detail !== 'full') throw new HttpError(400, 'detail is name, summary or full.');
        const limit = Math.min(50, Math.max(1, Number(url.searchParams.get('limit') ?? 10) || 10));
        const server = url.searchParams.get('server');
        const hits = await deps.search(url.searchParams.get('q') ?? '', { detail, limit, ...(server ? { server } : {}) });
        // The answer's text is what search_tools sends a model: its tokens are what the answer costs.
        const text = JSON.stringify(hits);
        return send(res, 200, { hits, text, tokens: await countTokens(text) });
      }
      case 'runs': {
        if (parts.length === 2) {
          const [ws, runId] = parts as [string, string];
          const shown = await deps.workspace(ws);
          const record = shown.runRecords.find((r) => r['runId'] === runId);
          if (!record) throw new HttpError(404, `No run ${runId} in workspace ${ws}.`);
          return send(res, 200, { record, output: await deps.runOutput(ws, runId).catch((error: unknown) => ({ error: toMagsagError(error).message })) });
        }
        // The history: the run records of the most recently used workspaces, newest first (a state
        // folder may hold thousands of workspaces; each is read on its own).
        const rows: Record<string, unknown>[] = [];
        const recent = (await deps.workspaces())
          .sort((a, b) => String(b.updatedAt ?? '').localeCompare(String(a.updatedAt ?? '')))
          .slice(0, historyWorkspaces);
        for (const ws of recent) {
          const shown = await deps.workspace(ws.id).catch(() => undefined);
          for (const r of shown?.runRecords ?? []) {
            const metrics = (r['metrics'] ?? {}) as Record<string, unknown>;
            const calls = metrics['toolCalls'];
            rows.push({
              workspace: ws.id,
              runId: r['runId'],
              status: r['status'],
              errorCode: r['errorCode'],
              program: r['program'],
              startedAt: r['startedAt'],
              wallMs: metrics['wallMs'] ?? null,
              toolCalls: Array.isArray(calls) ? calls.length : (metrics['toolCallCount'] ?? calls ?? 0),
            });
          }
        }
        rows.sort((a, b) => String(b['startedAt']).localeCompare(String(a['startedAt'])));
        return send(res, 200, rows.slice(0, 500));
      }
      case 'workspaces':
        if (parts.length === 1) return send(res, 200, await deps.workspace(parts[0]!));
        return send(res, 200, await deps.workspaces());
      case 'approvals':
        return send(res, 200, await deps.approvals());
      case 'skills':
        return send(res, 200, await deps.skills());
      case 'bench':
        return send(res, 200, readBench(deps.root));
      default:
        throw new HttpError(404, `No API route GET ${url.pathname}.`);
    }
  };

  const asset = (res: ServerResponse, pathname: string): void => {
    const name = pathname === '/' ? 'index.html' : pathname.slice(1);
    // Only the bundle's own flat file names: no folders, no dot files.
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name) || name.includes('..')) {
      send(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found.' } });
      return;
    }
    const file = path.join(webAssetsDir, name);
    if (!existsSync(file)) {
      if (name === 'index.html') {
        res.writeHead(500, { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' });
        res.end(`The page is not built (${webAssetsDir} is missing): run \`pnpm build\` in the magsag repository.\n`);
        return;
      }
      send(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found.' } });
      return;
    }
    res.writeHead(200, { ...securityHeaders, 'content-type': contentTypes[path.extname(name)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  };

  const server: Server = createServer((req, res) => {
    const verdict = guard(req.headers);
    if (verdict) {
      send(res, verdict.status, { error: { code: 'FORBIDDEN', message: verdict.reason } });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: { code: 'METHOD', message: 'Only GET.' } });
      return asset(res, url.pathname);
    }
    api(req, res, url).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      if (error instanceof HttpError) return send(res, error.status, { error: { code: 'HTTP', message: error.message } });
      const magsag = toMagsagError(error);
      send(res, 500, { error: { code: magsag.code, message: magsag.message } });
    });
  });

  // A run may take as long as its limits allow (and an approval wait on top): no request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new MagsagError('USAGE', `Port ${options.port} is in use on ${uiHost}: pick another with --port, or leave it out for a free one.`) : error),
    );
    server.listen(options.port ?? 0, uiHost, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  guard = deps.createGuard({ host: uiHost, port });
  return {
    url: `http://${uiHost}:${port}/#token=${oneTimeToken}`,
    port,
    close: async () => {
      for (const controller of runs.values()) controller.abort(new Error('magsag ui is closing'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
