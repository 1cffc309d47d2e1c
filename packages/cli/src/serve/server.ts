import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MagsagError, redactHostDetails, toMagsagError, version } from '@magsag/core';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { catalogServers, readCatalog, readToolSource } from '../tools/catalog.ts';
import { searchTools } from '../tools/search.ts';
import type { Approver } from '@magsag/runner';
import type { ApprovalStore } from '@magsag/store';
import { approvalNotes, approverFor, type ApprovalNote, type ApprovalOrigin } from './approve.ts';
import { localPrincipal, type Principal, TokenTable } from './principals.ts';
import { createTransportGuard } from './transportGuard.ts';
import { serveDefaults } from './defaults.ts';

/** What every run request carries: who asks, and the signal that ends the run. */
interface RunRequestBase {
  /** The caller; workspaces belong to principals. */
  principal: Principal;
  /** An id the caller got from an earlier answer; absent for a new workspace. */
  workspace?: string;
  /** Aborted by the client's cancellation, its disconnect, or the server's shutdown. */
  signal: AbortSignal;
  /**
   * Asks a person about calls whose policy is `approve`: the client (MCP elicitation) when it can,
   * else the pending queue; absent when neither can be asked.
   */
  approve?: Approver;
}

/** What a run returns to `serve`: whether it worked, the masked view and the workspace it used. */
export interface RunAnswer {
  ok: boolean;
  modelView: string;
  /** The workspace the run used; named in the answer's first line. */
  workspace?: string | undefined;
}

/** What `execute_code` runs: the CLI wires the runner (with the PII masker) in here. */
export type ExecuteCode = (request: RunRequestBase & { code: string; timeoutMs?: number }) => Promise<RunAnswer>;

/** What `run_skill` runs: the CLI wires the catalog and the runner in here. */
export type RunSkill = (request: RunRequestBase & { name: string; input: unknown }) => Promise<RunAnswer>;

/** What `list_skills` lists, and `search_tools` ranks next to the tools. */
export type ListSkills = () => { name: string; description: string; version: string; inputs: unknown; servers: string[] }[];

/** What `save_skill` receives: the CLI wires the catalog's `saveSkill` in here. */
export interface SaveSkillRequest {
  name: string;
  description: string;
  code: string;
  inputSchema?: Record<string, unknown>;
  examples?: { input: unknown; description?: string }[];
}

/** Saves a skill; answers what was written (paths relative to the project). */
export type SaveSkill = (request: SaveSkillRequest & { principal: string }) => Promise<{ name: string; files: string[]; servers: { server: string; tool: string }[] }>;

/** What the MAGSAG MCP server needs from its host. */
export interface ServeDeps {
  /** The generated modules folder (with catalog.json). */
  generatedDir: string;
  /** Runs agent code; absent until the runner is wired. */
  executeCode?: ExecuteCode;
  /** Runs a skill; absent when no skills are wired. */
  runSkill?: RunSkill;
  /** Lists the skills. */
  listSkills?: ListSkills;
  /** Brings skills other replicas saved into this one's folder, before skills are listed, searched or run. */
  refreshSkills?: () => Promise<void>;
  /** Saves a skill (`save_skill`), for principals that {@link mayWriteSkills}. */
  saveSkill?: SaveSkill;
  /** The sandbox's globals, and notable ones it lacks: an empty `search_tools` query names them. */
  sandboxGlobals?: { present: readonly string[]; absent: readonly string[] };
  /** A page of a run's whole (masked) output, in a workspace the principal owns. */
  readOutput?: (args: { workspace: string; runId: string; offset?: number; length?: number; principal: Principal }) => unknown;
  /** Masks any text before it leaves the server (the PII second guard). @default identity */
  mask?: (text: string) => string;
  /**
   * Principals that may write skills (`--skill-writers`); the local user always may. Skills are
   * shared code: every principal sees and runs them. @default []
   */
  skillWriters?: readonly string[];
  /**
   * Where approvals wait when the client has no MCP elicitation, for `magsag approvals approve|deny`
   * (`<stateDir>/approvals`). @default none: such clients' calls that need approval fail with
   * `TOOL_APPROVAL_REQUIRED`
   */
  approvalQueue?: ApprovalStore;
}

/** Whether `principal` may write skills: the local user, or one named in `--skill-writers`. */
export function mayWriteSkills(deps: Pick<ServeDeps, 'skillWriters'>, principal: Principal): boolean {
  return principal.local || (deps.skillWriters ?? []).includes(principal.name);
}

// A whole number without zod's `.int()`, whose JSON Schema also says `maximum: 9007199254740991`:
// these definitions go to the model on every turn, so every token in them counts.
const wholeNumber = z.number().min(0).refine(Number.isSafeInteger, 'expected a whole number');

const text = (value: string, isError = false): { content: { type: 'text'; text: string }[]; isError?: boolean } => ({
  content: [{ type: 'text', text: value }],
  ...(isError ? { isError: true } : {}),
});

/**
 * The runs a server has in flight, so that shutdown can cancel them and wait (within its grace
 * time) until each has recorded itself as cancelled.
 */
export class RunTracker {
  readonly #shutdown = new AbortController();
  readonly #running = new Set<Promise<unknown>>();

  /** Aborted when the server shuts down. */
  get signal(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** How many runs are in flight. */
  get size(): number {
    return this.#running.size;
  }

  /** Runs `work` with a signal that the client's and the shutdown's cancellation both end. */
  async track<T>(clientSignal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#shutdown.signal.aborted) throw new MagsagError('SANDBOX_CANCELLED', 'magsag serve is shutting down; send the call to another server or try again once it is back.');
    const promise = work(AbortSignal.any([clientSignal, this.#shutdown.signal]));
    this.#running.add(promise);
    try {
      return await promise;
    } finally {
      this.#running.delete(promise);
    }
  }

  /** Cancels every run and waits until they have ended, or `graceMs` has passed. */
  async shutdown(graceMs: number): Promise<void> {
    this.#shutdown.abort('magsag serve is shutting down');
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#running]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

/**
 * The answer text of a run: the workspace on the first line, then the model view, then what
 * became of approvals that went to the queue.
 */
function runAnswer(answer: RunAnswer, mask: (s: string) => string, notes: readonly ApprovalNote[] = []): ReturnType<typeof text> {
  const lines = approvalNotes(notes);
  const body = mask(lines.length ? `${answer.modelView.replace(/\n*$/, '')}\n${lines.join('\n')}` : answer.modelView);
  return text(answer.workspace ? `workspace ${answer.workspace}\n${body}` : body, !answer.ok);
}

/**
 * Signals of the JSON-RPC requests of one HTTP session whose response is still open, by request id:
 * aborted when the client's connection closes before the answer was written (a client that crashed
 * or gave up), so its run ends instead of running on for nobody.
 */
export class Disconnects {
  readonly #open = new Map<string | number, AbortController>();

  /** Watches `res` for the requests in `body`: their signals abort if it closes unanswered. */
  watch(body: unknown, res: ServerResponse): void {
    const ids: (string | number)[] = [];
    for (const message of Array.isArray(body) ? body : [body]) {
      const id = (message as { id?: unknown; method?: unknown } | null)?.id;
      if ((typeof id === 'string' || typeof id === 'number') && typeof (message as { method?: unknown }).method === 'string') ids.push(id);
    }
    if (ids.length === 0) return;
    for (const id of ids) this.#open.set(id, new AbortController());
    res.once('close', () => {
      for (const id of ids) {
        const controller = this.#open.get(id);
        this.#open.delete(id);
        if (!res.writableFinished) controller?.abort(new MagsagError('SANDBOX_CANCELLED', 'The client disconnected before the answer.'));
      }
    });
  }

  /** The signal of request `id`, when its response is watched. */
  signal(id: string | number): AbortSignal | undefined {
    return this.#open.get(id)?.signal;
  }
}

/** The client's cancellation and, over HTTP, its disconnect. */
function callSignal(extra: { signal: AbortSignal; requestId: string | number }, disconnects: Disconnects | undefined): AbortSignal {
  const dropped = disconnects?.signal(extra.requestId);
  return dropped ? AbortSignal.any([extra.signal, dropped]) : extra.signal;
}

/** Builds one MCP server instance exposing MAGSAG's small tool surface, for one principal. */
export function createMagsagServer(deps: ServeDeps, principal: Principal = localPrincipal, runs: RunTracker = new RunTracker(), disconnects?: Disconnects): McpServer {
  const mask = deps.mask ?? ((s: string) => s);
  const server = new McpServer({ name: 'magsag', version }, { capabilities: { tools: {} } });
  const registered = new Map<string, RegisteredTool>();
  // One approver per execute_code or run_skill call: it asks that call's client, on that request.
  const approval = (extra: { requestId: string | number; _meta?: { progressToken?: string | number } | undefined; sendNotification: ApprovalOrigin['sendNotification'] }): { approve?: Approver; notes: ApprovalNote[] } => {
    const notes: ApprovalNote[] = [];
    const approve = approverFor(
      {
        server: server.server,
        principal,
        requestId: extra.requestId,
        progressToken: extra._meta?.progressToken,
        sendNotification: extra.sendNotification,
        queue: deps.approvalQueue,
        mask,
      },
      notes,
    );
    return { notes, ...(approve ? { approve } : {}) };
  };
  const failure = (error: unknown): ReturnType<typeof text> => {
    const e = toMagsagError(error);
    return text(mask(redactHostDetails(`${e.code}: ${e.message}`)), true);
  };

  registered.set('search_tools', server.registerTool(
    'search_tools',
    {
      description:
        'Find MCP tools and skills by keyword (an empty query lists the servers). Returns names, one-line summaries, or typed signatures with every parameter (detail "full"). Import them in execute_code from ./servers/<server>/<function>.',
      inputSchema: {
        query: z.string(),
        detail: z.enum(['name', 'summary', 'full']).optional(),
        server: z.string().optional(),
        limit: z.number().int().positive().max(50).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ query, detail, server: only, limit }) => {
      try {
        if (query.trim() === '') {
          const servers = catalogServers(deps.generatedDir).filter((s) => !only || s.server === only);
          const sandbox = deps.sandboxGlobals ? { globals: deps.sandboxGlobals.present, absent: deps.sandboxGlobals.absent } : undefined;
          return text(mask(JSON.stringify({ servers, ...(sandbox ? { sandbox } : {}) })));
        }
        // Skills are read again on every search: one saved a moment ago (on any replica) is found.
        await deps.refreshSkills?.();
        const skills = deps.listSkills?.() ?? [];
        const hits = searchTools(readCatalog(deps.generatedDir), query, { detail: detail ?? 'summary', limit: limit ?? 10, skills, ...(only ? { server: only } : {}) });
        return text(mask(JSON.stringify(hits)));
      } catch (error) {
        return failure(error);
      }
    },
  ));

  registered.set('read_tool', server.registerTool(
    'read_tool',
    {
      description: 'Read one generated tool module (types, docs, function): tool is "<server>/<tool>".',
      inputSchema: { tool: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ tool }) => {
      try {
        return text(mask(readToolSource(deps.generatedDir, tool).source));
      } catch (error) {
        return failure(error);
      }
    },
  ));

  if (deps.executeCode) {
    const executeCode = deps.executeCode;
    registered.set('execute_code', server.registerTool(
      'execute_code',
      {
        description:
          'Run a TypeScript module in a sandbox. Import tools from ./servers/<server>/<function>; export default the result (or an async function). Returns the curated, masked output after a line "workspace <id>"; pass that id as workspace to keep files and placeholders.',
        inputSchema: { code: z.string(), workspace: z.string().optional(), timeoutMs: wholeNumber.optional() },
      },
      async ({ code, workspace, timeoutMs }, extra) => {
        try {
          const { approve, notes } = approval(extra);
          const answer = await runs.track(callSignal(extra, disconnects), (signal) =>
            executeCode({ code, principal, signal, ...(approve ? { approve } : {}), ...(workspace === undefined ? {} : { workspace }), ...(timeoutMs ? { timeoutMs } : {}) }),
          );
          return runAnswer(answer, mask, notes);
        } catch (error) {
          return failure(error);
        }
      },
    ));
  }
  if (deps.readOutput) {
    const readOutput = deps.readOutput;
    registered.set('read_output', server.registerTool(
      'read_output',
      {
        description: 'Page through the output a truncated answer left out (its notice names workspace and runId); pass next as offset.',
        inputSchema: { workspace: z.string(), runId: z.string(), offset: wholeNumber.optional(), length: wholeNumber.optional() },
        annotations: { readOnlyHint: true },
      },
      async ({ workspace, runId, offset, length }) => {
        try {
          const page = await readOutput({ workspace, runId, principal, ...(offset === undefined ? {} : { offset }), ...(length === undefined ? {} : { length }) });
          return text(mask(JSON.stringify(page)));
        } catch (error) {
          return failure(error);
        }
      },
    ));
  }
  if (deps.listSkills) {
    const listSkills = deps.listSkills;
    registered.set('list_skills', server.registerTool(
      'list_skills',
      { description: 'List reusable skills: name, description, version, input schema.', inputSchema: {}, annotations: { readOnlyHint: true } },
      async () => {
        try {
          await deps.refreshSkills?.();
          return text(mask(JSON.stringify(listSkills())));
        } catch (error) {
          return failure(error);
        }
      },
    ));
  }

  if (deps.saveSkill) {
    const saveSkill = deps.saveSkill;
    registered.set('save_skill', server.registerTool(
      'save_skill',
      {
        description: 'Save code as a skill: its default export gets the input. Checked like catalog:validate; run it with run_skill.',
        inputSchema: {
          name: z.string(),
          description: z.string(),
          code: z.string(),
          inputSchema: z.record(z.string(), z.unknown()).optional(),
          examples: z.array(z.object({ input: z.unknown(), description: z.string().optional() })).optional(),
        },
      },
      async ({ name, description, code, inputSchema, examples }) => {
        try {
          if (!mayWriteSkills(deps, principal)) {
            throw new MagsagError('SKILL_WRITE_DENIED', `"${principal.name}" may not save skills on this server; its operator names the principals that may with magsag serve --skill-writers. run_skill still runs the existing ones.`, {
              data: { principal: principal.name },
            });
          }
          const saved = await saveSkill({ principal: principal.name, name, description, code, ...(inputSchema ? { inputSchema } : {}), ...(examples ? { examples: examples.map((e) => ({ input: e.input, ...(e.description ? { description: e.description } : {}) })) } : {}) });
          return text(mask(JSON.stringify({ ...saved, next: `run_skill { name: "${saved.name}", input }; search_tools finds it` })));
        } catch (error) {
          return failure(error);
        }
      },
    ));
  }

  if (deps.runSkill) {
    const runSkill = deps.runSkill;
    registered.set('run_skill', server.registerTool(
      'run_skill',
      {
        description: 'Run a skill by name with its input (see list_skills) in the sandbox; returns the masked model view after a line "workspace <id>".',
        inputSchema: { name: z.string(), input: z.record(z.string(), z.unknown()).optional(), workspace: z.string().optional() },
      },
      async ({ name, input, workspace }, extra) => {
        try {
          await deps.refreshSkills?.();
          const { approve, notes } = approval(extra);
          const answer = await runs.track(callSignal(extra, disconnects), (signal) =>
            runSkill({ name, input: input ?? {}, principal, signal, ...(approve ? { approve } : {}), ...(workspace === undefined ? {} : { workspace }) }),
          );
          return runAnswer(answer, mask, notes);
        } catch (error) {
          return failure(error);
        }
      },
    ));
  }
  // The SDK's tool list gives every input schema a "$schema" key (13 tokens per tool, paid on every
  // turn of every conversation, and no client needs it): list the same definitions without it.
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...registered].filter(([, tool]) => tool.enabled).map(([name, tool]) => ({
      name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: definitionSchema(tool.inputSchema),
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
    })),
  }));
  return server;
}

/** A tool's input schema as JSON Schema, without the `$schema` key. */
function definitionSchema(schema: unknown): { type: 'object'; [key: string]: unknown } {
  // The SDK builds the object with zod's mini build: any zod 4 schema (`_zod`) converts.
  if (typeof schema !== 'object' || schema === null || !('_zod' in schema)) return { type: 'object', properties: {} };
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema as z.core.$ZodType, {
    target: 'draft-7',
    io: 'input',
    // A record's `propertyNames: { type: "string" }` says what every JSON object key already is.
    override: ({ jsonSchema }) => {
      const names = jsonSchema.propertyNames;
      if (typeof names === 'object' && Object.keys(names).length === 1 && names.type === 'string') delete jsonSchema.propertyNames;
    },
  });
  return { ...rest, type: 'object' };
}

/** Options for {@link serveStdio}. */
export interface StdioServeOptions {
  /** Time runs get to record themselves as cancelled when the client goes away. @default 5000 */
  shutdownGraceMs?: number;
  /** Tracks the runs (the CLI shares it with its signal handlers). */
  runs?: RunTracker;
}

/**
 * Serves over stdio until the client disconnects: a client that exits or closes stdin ends the
 * server, and its runs are cancelled first.
 */
export async function serveStdio(deps: ServeDeps, options: StdioServeOptions = {}): Promise<void> {
  const runs = options.runs ?? new RunTracker();
  const server = createMagsagServer(deps, localPrincipal, runs);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    // The SDK's stdio transport does not notice the end of stdin: a client that exited must still
    // end this server (and every sandbox and MCP server it started).
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await server.connect(transport);
  await Promise.race([closed, new Promise<void>((resolve) => runs.signal.addEventListener('abort', () => resolve(), { once: true }))]);
  await runs.shutdown(options.shutdownGraceMs ?? 5000);
  await server.close().catch(() => {});
}

/** Options for {@link serveHttp}. */
export interface HttpServeOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Bearer token clients must send (the principal `default`); required when `host` is not loopback. */
  token?: string;
  /** Named principals, `alice=<token>,bob=<token>` (`MAGSAG_SERVE_TOKENS`). */
  tokensEnv?: string;
  /** A file of `name=token` lines (`--tokens-file`). */
  tokensFile?: string;
  /** `Host` names accepted besides loopback and the bound address (`--allowed-host`). */
  allowedHosts?: readonly string[];
  /** Browser origins allowed to call the server (`--allowed-origin`); other origins get 403. */
  allowedOrigins?: readonly string[];
  /** A session unused for this long is closed. @default 1800000 (30 minutes) */
  sessionIdleMs?: number;
  /** Sessions open at once; past it, initialize gets 503 with Retry-After. @default 256 */
  maxSessions?: number;
  /** Tracks the runs (the CLI shares it with its signal handlers). */
  runs?: RunTracker;
  /**
   * This replica's name, the first part of every session id it makes (`<replica>.<uuid>`), so a
   * balancer can send a session's requests to the replica that holds it. @default none (a bare uuid)
   */
  replica?: string;
  /** Resolves when the replica can serve (its store answers); `/readyz` is 503 with the reason otherwise. */
  ready?: () => Promise<void>;
  /** Prometheus text for `/metrics`; absent: 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

/** How long `/readyz` waits for the readiness check before it answers 503. */
const readyTimeoutMs = 2000;

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);
const maxBodyBytes = 4 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new MagsagError('USAGE', 'request body over 4 MiB');
    chunks.push(chunk);
  }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  principal: Principal;
  lastSeen: number;
  /** POST requests being answered (a running call); a session is never expired while one is. */
  active: number;
  disconnects: Disconnects;
}

/**
 * Serves streamable HTTP at `http://host:port/mcp`, one MCP session per client. Every request
 * passes the Host/Origin guard first, then the bearer token (when any is configured) names its
 * principal; a session belongs to the principal that opened it. Binding anything but loopback
 * requires a token.
 */
export async function serveHttp(
  deps: ServeDeps,
  options: HttpServeOptions,
): Promise<{ url: string; server: Server; principals: string[]; sessions: () => number; close: (graceMs?: number) => Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const tokens = TokenTable.load({ token: options.token, tokensEnv: options.tokensEnv, tokensFile: options.tokensFile });
  if (!loopback.has(host) && tokens.size === 0) {
    throw new MagsagError('USAGE', `Binding magsag serve to ${host} exposes code execution to the network: set a bearer token with --token or MAGSAG_SERVE_TOKEN, or principals with --tokens-file or MAGSAG_SERVE_TOKENS.`);
  }
  const sessionIdleMs = options.sessionIdleMs ?? serveDefaults.sessionIdleMs;
  const maxSessions = options.maxSessions ?? serveDefaults.maxSessions;
  const runs = options.runs ?? new RunTracker();
  const sessions = new Map<string, Session>();
  // A session another replica made: the balancer did not route by the session id.
  const unknownSession = (id: string): string => {
    const owner = /^([A-Za-z0-9-]{1,63})\./.exec(id)?.[1];
    return owner && options.replica && owner !== options.replica
      ? `mcp-session-id belongs to replica ${owner}, not ${options.replica}: route each request to the replica named before the first "." of mcp-session-id, or initialize a new session`
      : 'Unknown or expired mcp-session-id: initialize a new session';
  };
  const send = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };
  let guard: ReturnType<typeof createTransportGuard> = () => ({ status: 403, reason: 'Forbidden: the server is starting' });
  const probe = async (req: IncomingMessage, res: ServerResponse, route: string): Promise<void> => {
    const reply = (status: number, body: Record<string, unknown>): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { status: 'error', reason: `${route} answers GET` });
    const replica = options.replica ?? null;
    if (route === '/healthz') return reply(200, { status: 'ok', replica });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        options.ready?.(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the readiness check took over ${readyTimeoutMs} ms`)), readyTimeoutMs);
        }),
      ]);
      reply(runs.signal.aborted ? 503 : 200, runs.signal.aborted ? { status: 'stopping', replica } : { status: 'ready', replica });
    } catch (error) {
      const e = toMagsagError(error);
      reply(503, { status: 'unavailable', replica, code: e.code, reason: redactHostDetails(e.message) });
    } finally {
      clearTimeout(timer);
    }
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = (req.url ?? '').split('?')[0];
    // Probes carry neither a token nor the Host a browser would: they answer no data and run
    // nothing, so they come before the guard (a balancer or kubelet sends Host: <pod IP>).
    if (route === '/healthz' || route === '/readyz') return await probe(req, res, route);
    // Host and Origin first: a page in the user's browser (DNS rebinding, a cross-site POST)
    // is refused before any token check, session or code run, whatever it sends.
    const verdict = guard(req.headers);
    if (verdict) return send(res, verdict.status, verdict.reason);
    if (route === '/metrics' && options.metrics) {
      if (req.method !== 'GET') return send(res, 405, '/metrics answers GET');
      const scraped = await options.metrics();
      res.writeHead(200, { 'content-type': scraped.contentType, 'cache-control': 'no-store' }).end(scraped.body);
      return;
    }
    if (!req.url?.startsWith('/mcp')) return send(res, 404, 'Not found: the MCP endpoint is /mcp');
    let principal: Principal = localPrincipal;
    if (tokens.size > 0) {
      const found = tokens.authenticate(req.headers.authorization);
      if (!found) return send(res, 401, 'Missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
      principal = found;
    }
    const sessionId = req.headers['mcp-session-id'];
    const found = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    // A session id is not a credential: another principal naming it finds nothing.
    const existing = found && found.principal.name === principal.name ? found : undefined;
    // A standalone GET stream stays open for the whole session: it is not activity.
    const counts = existing !== undefined && req.method !== 'GET';
    if (existing) existing.lastSeen = Date.now();
    if (counts) existing.active++;
    try {
      if (req.method === 'POST') {
        const body = await readJson(req);
        if (existing) {
          existing.disconnects.watch(body, res);
          return await existing.transport.handleRequest(req, res, body);
        }
        if (!isInitializeRequest(body)) return send(res, typeof sessionId === 'string' ? 404 : 400, typeof sessionId === 'string' ? unknownSession(sessionId) : 'No session: send initialize first');
        if (sessions.size >= maxSessions) {
          return send(res, 503, `Too many sessions (${maxSessions}): close idle sessions or try again later`, { 'retry-after': '30' });
        }
        const disconnects = new Disconnects();
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => (options.replica ? `${options.replica}.${randomUUID()}` : randomUUID()),
          onsessioninitialized: (id) => void sessions.set(id, { transport, principal, lastSeen: Date.now(), active: 0, disconnects }),
        });
        transport.onclose = () => {
          if (transport.sessionId) sessions.delete(transport.sessionId);
        };
        await createMagsagServer(deps, principal, runs, disconnects).connect(transport);
        return await transport.handleRequest(req, res, body);
      }
      if (!existing) return send(res, typeof sessionId === 'string' ? 404 : 400, typeof sessionId === 'string' ? unknownSession(sessionId) : 'Missing mcp-session-id');
      return await existing.transport.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent) send(res, 400, redactHostDetails(toMagsagError(error).message));
    } finally {
      if (counts) {
        existing.lastSeen = Date.now();
        existing.active--;
      }
    }
  };
  const http = createServer((req, res) => void handle(req, res));
  // Code runs can take minutes: no request timeout. Keep idle connections open longer than
  // clients do, so a client never reuses a socket the server is closing (ECONNRESET under load).
  http.requestTimeout = 0;
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, resolve);
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  guard = createTransportGuard({ host, port, ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}), ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) });

  // Sessions a client forgot to close are closed after sessionIdleMs (never while answering).
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, session] of sessions) {
        if (session.active === 0 && now - session.lastSeen > sessionIdleMs) {
          sessions.delete(id);
          void session.transport.close().catch(() => {});
        }
      }
    },
    Math.max(50, Math.min(60_000, Math.floor(sessionIdleMs / 4))),
  );
  sweep.unref();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`,
    server: http,
    principals: tokens.names,
    sessions: () => sessions.size,
    close: async (graceMs = serveDefaults.shutdownGraceMs) => {
      clearInterval(sweep);
      http.close();
      await runs.shutdown(graceMs);
      await Promise.all([...sessions.values()].map((s) => s.transport.close().catch(() => {})));
      http.closeAllConnections();
      await new Promise<void>((resolve) => (http.listening ? http.close(() => resolve()) : resolve()));
    },
  };
}
