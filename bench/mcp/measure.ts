// Measures one scenario on both sides, for real:
// - code execution: the program runs in the sandbox (@magsag/runner) against the real servers; what
//   the model sees is the `magsag serve` tool definitions, the real `search_tools` answers, the code
//   it writes and the run's model view;
// - legacy: the same tool calls the program made (recorded as they crossed the bridge: arguments and
//   full results) go through the model one turn each, under every enabled server's definitions.
//   The calls are then replayed directly on the client to time a run without the sandbox.
import type { McpClient, ToolCallResult } from '@magsag/mcp-client';
import { execute, type RunLimits, type ToolCaller } from '@magsag/runner';
import type { MagsagServe, ServedTool } from './serve.ts';
import { countPieces, type Counts, type Piece } from './tokens.ts';

/** A tool definition as a model API receives it. */
export interface ApiTool {
  name: string;
  description?: string;
  input_schema: unknown;
}

/** Tool definitions serialized once, as one JSON document (counted once, not once per turn). */
export const serializeDefinitions = (tools: readonly ApiTool[]): string => JSON.stringify(tools);

/** `magsag serve`'s tools in the same shape as the legacy side's. */
export const servedDefinitions = (tools: readonly ServedTool[]): ApiTool[] =>
  tools.map((t) => ({ name: t.name, ...(t.description === undefined ? {} : { description: t.description }), input_schema: t.inputSchema }));

/** Every enabled server's tools (its snapshot, else the live list), named `<server>__<tool>` as MCP hosts do. */
export async function enabledDefinitions(client: McpClient): Promise<{ tools: ApiTool[]; servers: string[] }> {
  const tools: ApiTool[] = [];
  const servers: string[] = [];
  for (const config of client.servers().filter((s) => s.enabled)) {
    const listed = config.tools?.length ? config.tools.filter((t) => client.isToolAllowed(config, t.name)) : await client.listTools(config.id).catch(() => []);
    servers.push(config.id);
    for (const t of listed) tools.push({ name: `${config.id}__${t.name}`, ...(t.description ? { description: t.description } : {}), input_schema: t.inputSchema ?? { type: 'object' } });
  }
  return { tools, servers };
}

/** The text a tool result puts in the model's context: its content blocks (text as is, others as JSON). */
export function resultText(result: ToolCallResult): string {
  const blocks = result.content.map((c) => (c.type === 'text' ? c.text : JSON.stringify(c)));
  if (blocks.length === 0 && result.structuredContent) return JSON.stringify(result.structuredContent);
  return blocks.join('\n');
}

export interface RecordedCall {
  server: string;
  tool: string;
  args: Record<string, unknown>;
  /** The result text, or the error text the model would have seen. */
  text: string;
  ok: boolean;
}

export interface ScenarioSpec {
  name: string;
  kind: 'skill' | 'catalog' | 'data' | 'small-task' | 'multi-step';
  /** The program the sandbox runs. */
  program: { code: string; filename: string; input?: unknown; limits?: Partial<RunLimits> };
  /** What the agent writes and sends to execute_code (the skill's source for skills). */
  writtenCode: string;
  /** The discovery query naming the task. */
  query: string;
  /** The tools the code uses: each is looked up at `detail: 'full'`. */
  usedTools: { server: string; tool: string }[];
  /** The legacy side's definitions when they are not "every enabled server" (catalog scenarios). */
  legacyDefinitions?: { text: string; servers: number };
  /** A `servers/catalog.json` to serve to search_tools for this scenario (catalog scenarios). */
  catalogJson?: string;
  notes?: string[];
}

export interface SideFigures extends Counts {
  definitionTokens: number;
  definitionSecondaryTokens: number;
  roundTrips: number;
  ms: number;
  peakRssMb: number;
}

export interface Measured {
  spec: ScenarioSpec;
  ok: boolean;
  error?: string;
  legacy: SideFigures;
  code: SideFigures & { sandboxHeapMb: number };
  toolCalls: number;
  /** Bytes of tool results that stayed out of the model on the code side. */
  toolResultChars: number;
  modelView: string;
}

export interface MeasureContext {
  client: McpClient;
  serve: MagsagServe;
  /** Writes the catalog search_tools reads (the bench's project copy). */
  setCatalog: (json: string) => void;
  defaultCatalog: string;
  /** Every enabled server's definitions, serialized. */
  enabledDefinitions: { text: string; servers: number };
  servedDefinitions: string;
  runner: { root: string; serversDir: string; skillsDir: string; stateDir: string };
  secondary: boolean;
}

/** Samples this process's RSS while `fn` runs; returns its value and the peak in MiB. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; ms: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const start = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - start;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMb: peak / 1024 / 1024, ms };
  } finally {
    clearInterval(timer);
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs one scenario on both sides and counts what each puts in the model's context. */
export async function measure(ctx: MeasureContext, spec: ScenarioSpec): Promise<Measured> {
  // Code execution: discovery through the real magsag serve.
  ctx.setCatalog(spec.catalogJson ?? ctx.defaultCatalog);
  const codePieces: Piece[] = [];
  const searchArgs = { query: spec.query, detail: 'summary' };
  codePieces.push({ label: 'search_tools args', text: `search_tools ${JSON.stringify(searchArgs)}` });
  codePieces.push({ label: 'search_tools answer', text: (await ctx.serve.call('search_tools', searchArgs)).text });
  for (const used of spec.usedTools) {
    const args = { query: used.tool, server: used.server, detail: 'full', limit: 1 };
    codePieces.push({ label: `search_tools ${used.server}/${used.tool} args`, text: `search_tools ${JSON.stringify(args)}` });
    codePieces.push({ label: `search_tools ${used.server}/${used.tool} answer`, text: (await ctx.serve.call('search_tools', args)).text });
  }
  ctx.setCatalog(ctx.defaultCatalog);

  // Code execution: the run itself, recording every call that crosses the bridge.
  const calls: RecordedCall[] = [];
  const callTool: ToolCaller = async (server, tool, args, options) => {
    try {
      const result = await ctx.client.callTool(server, tool, args, { signal: options.signal, context: options.context });
      calls.push({ server, tool, args, text: resultText(result), ok: true });
      return result;
    } catch (error) {
      calls.push({ server, tool, args, text: message(error), ok: false });
      throw error;
    }
  };
  const run = await withPeakRss(() =>
    execute({
      code: spec.program.code,
      filename: spec.program.filename,
      ...(spec.program.input === undefined ? {} : { input: spec.program.input }),
      ...ctx.runner,
      callTool,
      limits: { wallMs: 120_000, cpuMs: 60_000, ...spec.program.limits },
    }),
  );
  const result = run.value;
  codePieces.push({ label: 'execute_code args', text: `execute_code ${JSON.stringify({ code: spec.writtenCode })}` });
  codePieces.push({ label: 'execute_code answer', text: result.modelView });

  // Legacy: the same calls, replayed directly to time them.
  const replay = await withPeakRss(async () => {
    for (const call of calls) await ctx.client.callTool(call.server, call.tool, call.args).catch(() => undefined);
  });
  const legacyDefs = spec.legacyDefinitions ?? ctx.enabledDefinitions;
  const legacyPieces: Piece[] = calls.flatMap((c) => [
    { label: `call ${c.server}/${c.tool} args`, text: `${c.server}__${c.tool} ${JSON.stringify(c.args)}` },
    { label: `call ${c.server}/${c.tool} result`, text: c.text },
  ]);

  const legacyDefCounts = countPieces([{ label: 'definitions', text: legacyDefs.text }], ctx.secondary);
  const codeDefCounts = countPieces([{ label: 'definitions', text: ctx.servedDefinitions }], ctx.secondary);
  const legacyTraffic = countPieces(legacyPieces, ctx.secondary);
  const codeTraffic = countPieces(codePieces, ctx.secondary);
  const add = (a: Counts, b: Counts): Counts => ({ tokens: a.tokens + b.tokens, secondaryTokens: a.secondaryTokens + b.secondaryTokens, chars: a.chars + b.chars });

  return {
    spec,
    ok: result.ok,
    ...(result.ok ? {} : { error: `${result.error?.code ?? 'ERROR'}: ${result.error?.message ?? 'run failed'}` }),
    legacy: {
      ...add(legacyDefCounts, legacyTraffic),
      definitionTokens: legacyDefCounts.tokens,
      definitionSecondaryTokens: legacyDefCounts.secondaryTokens,
      // One model turn per tool call, plus the turn that answers.
      roundTrips: calls.length + 1,
      ms: replay.ms,
      peakRssMb: replay.peakMb,
    },
    code: {
      ...add(codeDefCounts, codeTraffic),
      definitionTokens: codeDefCounts.tokens,
      definitionSecondaryTokens: codeDefCounts.secondaryTokens,
      // A summary search, one turn of full-detail searches (issued together), execute_code, the answer.
      roundTrips: 1 + (spec.usedTools.length > 0 ? 1 : 0) + 1 + 1,
      ms: run.ms,
      peakRssMb: run.peakMb,
      sandboxHeapMb: result.metrics.heapBytes / 1024 / 1024,
    },
    toolCalls: calls.length,
    toolResultChars: calls.reduce((n, c) => n + c.text.length, 0),
    modelView: result.modelView,
  };
}
