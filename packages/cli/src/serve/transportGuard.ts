import type { IncomingHttpHeaders } from 'node:http';

/** Host names every loopback `serve --http` answers to. */
const loopbackNames = ['localhost', '127.0.0.1', '::1'];

/** What {@link createTransportGuard} needs: the bound address and what the user allowed on top. */
export interface TransportGuardOptions {
  /** The address the server is bound to. */
  host: string;
  /** The port it listens on (for same-origin requests from a page it serves itself). */
  port: number;
  /** Extra `Host` names (`--allowed-host`), with or without a port. */
  allowedHosts?: readonly string[];
  /** Extra origins (`--allowed-origin`), e.g. `http://localhost:6274` for the MCP Inspector. */
  allowedOrigins?: readonly string[];
}

/** Why a request was refused, or `undefined` when it may go on. */
export type GuardVerdict = { status: 403; reason: string } | undefined;

function normalizeHostName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/** Splits a `Host` header value into its name and port; `undefined` when it is malformed. */
function parseHostHeader(value: string): { name: string; port: string | undefined } | undefined {
  if (value.length === 0 || value.length > 255 || /[\s/@?#\\]/.test(value)) return undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/i.exec(value);
  if (bracketed) return { name: bracketed[1]!.toLowerCase(), port: bracketed[2] };
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (plain) return { name: plain[1]!.toLowerCase(), port: plain[2] };
  return undefined;
}

function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The DNS-rebinding and cross-site guard of `serve --http`: a request must name this server in
 * `Host` (loopback names, the bound address, or one allowed with `--allowed-host`), and a request
 * that carries `Origin` (every browser request does) must come from this server itself or from an
 * origin allowed with `--allowed-origin`. Requests without `Origin` (SDK clients, curl) pass.
 * It runs before authentication, so a refused request never reaches a session or a token check.
 */
export function createTransportGuard(options: TransportGuardOptions): (headers: IncomingHttpHeaders) => GuardVerdict {
  const bound = normalizeHostName(options.host);
  const names = new Set(loopbackNames);
  if (bound !== '0.0.0.0' && bound !== '::') names.add(bound);
  const hostPorts = new Set<string>();
  for (const entry of options.allowedHosts ?? []) {
    const parsed = parseHostHeader(entry.trim());
    if (!parsed) continue;
    if (parsed.port === undefined) names.add(parsed.name);
    else hostPorts.add(`${parsed.name}:${parsed.port}`);
  }
  const origins = new Set<string>();
  for (const entry of options.allowedOrigins ?? []) {
    const origin = normalizeOrigin(entry.trim());
    if (origin) origins.add(origin);
  }
  const port = String(options.port);

  return (headers) => {
    const hostHeader = headers.host;
    const parsed = typeof hostHeader === 'string' ? parseHostHeader(hostHeader) : undefined;
    if (!parsed) return { status: 403, reason: 'Forbidden: missing or malformed Host header' };
    const hostAllowed = names.has(parsed.name) || hostPorts.has(`${parsed.name}:${parsed.port ?? ''}`);
    if (!hostAllowed) {
      return { status: 403, reason: `Forbidden: Host "${parsed.name.slice(0, 100)}" is not served here; start serve with --allowed-host ${parsed.name.slice(0, 100)} to allow it` };
    }
    const originHeader = headers.origin;
    if (originHeader === undefined) return undefined;
    const origin = typeof originHeader === 'string' ? normalizeOrigin(originHeader) : undefined;
    if (origin && origins.has(origin)) return undefined;
    if (origin) {
      const url = new URL(origin);
      const samePort = (url.port || (url.protocol === 'https:' ? '443' : '80')) === port;
      if (samePort && names.has(normalizeHostName(url.hostname))) return undefined;
    }
    const shown = String(originHeader).slice(0, 100);
    return { status: 403, reason: `Forbidden: Origin "${shown}" may not use this server; start serve with --allowed-origin ${shown} to allow it` };
  };
}
