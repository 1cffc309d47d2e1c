// Measures one scenario on both sides, for real:
// - code execution: what a client of `magsag serve` goes through, over stdio: the `magsag serve`
//   tool definitions, the real `search_tools` answers (each scenario fails unless they name the
//   tools its code uses), the code the agent writes, and the real `execute_code` answer. A skill is
//   measured twice: first use (the agent writes the skill's code and runs it with execute_code) and
//   reuse (list_skills, then run_skill with the input);
// - legacy: the same tool calls (recorded as they crossed the bridge in a direct run of the same
//   program: arguments and full results) go through the model one turn each, under every enabled
//   server's definitions. The calls are replayed directly on the client to time them.
// One turn model for both sides: one tool call per model turn, no parallel calls on either side.
// Memory is sampled in the processes that did the work: serve's process tree (serve, its sandbox
// workers and MCP servers) for the code side; this process and its MCP servers for legacy.
import type { McpClient, ToolCallResult } from '@magsag/mcp-client';
import { execute, type RunLimits, type ToolCaller } from '@magsag/runner';
import { peakTreeRss, type MagsagServe, type ServedTool } from './serve.ts';
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
  /** What is run through serve's execute_code when it is not `writtenCode` (a skill run with its input). */
  serveCode?: string;
  /** A skill: measured again as reuse (list_skills, run_skill with this input). */
  skill?: { name: string; input: unknown };
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
  /** `tokens` with the definitions counted once per turn, as agents resend them. */
  tokensPerTurnDefinitions: number;
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
  /** First use or reuse of a skill; undefined for other scenarios. */
  use?: 'first' | 'reuse';
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
  /** This process's MCP server processes are part of legacy's work; serve's tree is the code side's. */
  benchPid: number;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The `server/tool` of each used tool that is not among the hits of a search_tools answer (`[{ server, tool, ... }]`). */
function missingTools(answer: string, used: ScenarioSpec['usedTools']): string[] {
  let hits: { server?: unknown; tool?: unknown }[] = [];
  try {
    const parsed: unknown = JSON.parse(answer);
    if (Array.isArray(parsed)) hits = parsed as typeof hits;
  } catch {
    // Not a list of hits (an error): nothing was found.
  }
  const found = new Set(hits.map((h) => `${String(h.server)}/${String(h.tool)}`));
  return used.filter((u) => !found.has(`${u.server}/${u.tool}`)).map((u) => `${u.server}/${u.tool}`);
}

const add = (a: Counts, b: Counts): Counts => ({ tokens: a.tokens + b.tokens, secondaryTokens: a.secondaryTokens + b.secondaryTokens, chars: a.chars + b.chars });

function side(definitions: Counts, traffic: Counts, roundTrips: number, ms: number, peakRssMb: number): SideFigures {
  return {
    ...add(definitions, traffic),
    definitionTokens: definitions.tokens,
    definitionSecondaryTokens: definitions.secondaryTokens,
    roundTrips,
    tokensPerTurnDefinitions: definitions.tokens * roundTrips + traffic.tokens,
    ms,
    peakRssMb,
  };
}

/** The legacy side: the recorded calls, one turn each, replayed directly to time them. */
async function legacySide(ctx: MeasureContext, spec: ScenarioSpec, calls: RecordedCall[]): Promise<SideFigures> {
  const replay = await peakTreeRss(ctx.benchPid, ctx.serve.pid, async () => {
    for (const call of calls) await ctx.client.callTool(call.server, call.tool, call.args).catch(() => undefined);
  });
  const legacyDefs = spec.legacyDefinitions ?? ctx.enabledDefinitions;
  const pieces: Piece[] = calls.flatMap((c) => [
    { label: `call ${c.server}/${c.tool} args`, text: `${c.server}__${c.tool} ${JSON.stringify(c.args)}` },
    { label: `call ${c.server}/${c.tool} result`, text: c.text },
  ]);
  // One model turn per tool call, plus the turn that answers.
  return side(countPieces([{ label: 'definitions', text: legacyDefs.text }], ctx.secondary), countPieces(pieces, ctx.secondary), calls.length + 1, replay.ms, replay.peakMb);
}

/** Runs the scenario's program directly (not counted), recording every call that crosses the bridge for the legacy side. */
async function recordCalls(ctx: MeasureContext, spec: ScenarioSpec): Promise<{ calls: RecordedCall[]; ok: boolean; error?: string; heapMb: number }> {
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
  const result = await execute({
    code: spec.program.code,
    filename: spec.program.filename,
    ...(spec.program.input === undefined ? {} : { input: spec.program.input }),
    ...ctx.runner,
    callTool,
    toolPolicy: (server, tool) => ctx.client.toolPolicy(server, tool),
    // The scenarios' writes (crm/create_record, vault/write_file) are approved, as the person at
    // the client approves them on the served side (an elicitation, which costs the model nothing).
    approve: async () => ({ approved: true, scope: 'tools', decidedBy: 'bench:mcp' }),
    limits: { wallMs: 120_000, cpuMs: 60_000, ...spec.program.limits },
  });
  return {
    calls,
    ok: result.ok,
    ...(result.ok ? {} : { error: `${result.error?.code ?? 'ERROR'}: ${result.error?.message ?? 'run failed'}` }),
    heapMb: result.metrics.heapBytes / 1024 / 1024,
  };
}

/** Runs one scenario on both sides and counts what each puts in the model's context. */
export async function measure(ctx: MeasureContext, spec: ScenarioSpec): Promise<Measured> {
  const recorded = await recordCalls(ctx, spec);

  // Code execution: discovery through the real magsag serve, one search per turn.
  ctx.setCatalog(spec.catalogJson ?? ctx.defaultCatalog);
  const codePieces: Piece[] = [];
  const problems: string[] = [];
  let turns = 0;
  const ask = async (tool: string, args: Record<string, unknown>, label: string): Promise<{ text: string; isError: boolean }> => {
    codePieces.push({ label: `${label} args`, text: `${tool} ${JSON.stringify(args)}` });
    const answer = await ctx.serve.call(tool, args);
    codePieces.push({ label: `${label} answer`, text: answer.text });
    turns++;
    return answer;
  };
  const summary = await ask('search_tools', { query: spec.query, detail: 'summary' }, 'search_tools');
  // A tool the task's search did not bring up is searched for by what it does (the words of its
  // name) on its server, as an agent looks for the one operation it still needs: one more turn.
  for (const unfound of spec.usedTools.filter((u) => missingTools(summary.text, [u]).length > 0)) {
    const query = unfound.tool.replace(/[_-]+/g, ' ').trim();
    const again = await ask('search_tools', { query, server: unfound.server, detail: 'summary' }, `search_tools ${unfound.server} "${query}"`);
    if (missingTools(again.text, [unfound]).length > 0) {
      problems.push(`neither the search_tools answer for "${spec.query}" nor the one for "${query}" on ${unfound.server} names ${unfound.server}/${unfound.tool}, which the code uses`);
    }
  }
  for (const used of spec.usedTools) {
    const full = await ask('search_tools', { query: used.tool, server: used.server, detail: 'full', limit: 1 }, `search_tools ${used.server}/${used.tool}`);
    if (missingTools(full.text, [used]).length > 0) problems.push(`search_tools at detail "full" for ${used.server}/${used.tool} does not return it`);
  }
  ctx.setCatalog(ctx.defaultCatalog);

  // Code execution: the run, as the agent sends it to serve.
  const run = await peakTreeRss(ctx.serve.pid, undefined, async () => {
    codePieces.push({ label: 'execute_code args', text: `execute_code ${JSON.stringify({ code: spec.writtenCode })}` });
    const answer = await ctx.serve.call('execute_code', { code: spec.serveCode ?? spec.writtenCode });
    codePieces.push({ label: 'execute_code answer', text: answer.text });
    turns++;
    return answer;
  });
  if (run.value.isError) problems.push(`execute_code failed: ${run.value.text.split('\n').slice(0, 3).join(' ')}`);
  if (!recorded.ok) problems.push(`the direct run that records the calls failed: ${recorded.error}`);

  const legacy = await legacySide(ctx, spec, recorded.calls);
  const codeDefs = countPieces([{ label: 'definitions', text: ctx.servedDefinitions }], ctx.secondary);
  return {
    spec,
    ok: problems.length === 0,
    ...(problems.length === 0 ? {} : { error: problems.join('; ') }),
    legacy,
    // The searches and execute_code, one turn each, plus the turn that answers.
    code: { ...side(codeDefs, countPieces(codePieces, ctx.secondary), turns + 1, run.ms, run.peakMb), sandboxHeapMb: recorded.heapMb },
    toolCalls: recorded.calls.length,
    toolResultChars: recorded.calls.reduce((n, c) => n + c.text.length, 0),
    modelView: run.value.text,
    ...(spec.skill ? { use: 'first' as const } : {}),
  };
}

/**
 * A skill's reuse: the agent lists the skills and runs this one with its input (`run_skill`); it
 * writes no code. The legacy side is the same as at first use (the same calls).
 */
export async function measureReuse(ctx: MeasureContext, spec: ScenarioSpec & { skill: { name: string; input: unknown } }): Promise<Measured> {
  const recorded = await recordCalls(ctx, spec);
  const codePieces: Piece[] = [];
  const problems: string[] = [];
  const listed = await ctx.serve.call('list_skills', {});
  codePieces.push({ label: 'list_skills args', text: 'list_skills {}' }, { label: 'list_skills answer', text: listed.text });
  if (!listed.text.includes(spec.skill.name)) problems.push(`list_skills does not name ${spec.skill.name}`);
  const args = { name: spec.skill.name, input: spec.skill.input };
  const run = await peakTreeRss(ctx.serve.pid, undefined, () => ctx.serve.call('run_skill', args));
  codePieces.push({ label: 'run_skill args', text: `run_skill ${JSON.stringify(args)}` }, { label: 'run_skill answer', text: run.value.text });
  if (run.value.isError) problems.push(`run_skill failed: ${run.value.text.split('\n').slice(0, 3).join(' ')}`);
  if (!recorded.ok) problems.push(`the direct run that records the calls failed: ${recorded.error}`);
  const legacy = await legacySide(ctx, spec, recorded.calls);
  const codeDefs = countPieces([{ label: 'definitions', text: ctx.servedDefinitions }], ctx.secondary);
  return {
    spec: { ...spec, name: `${spec.name} (reuse)` },
    ok: problems.length === 0,
    ...(problems.length === 0 ? {} : { error: problems.join('; ') }),
    legacy,
    // list_skills, run_skill, the answer.
    code: { ...side(codeDefs, countPieces(codePieces, ctx.secondary), 3, run.ms, run.peakMb), sandboxHeapMb: recorded.heapMb },
    toolCalls: recorded.calls.length,
    toolResultChars: recorded.calls.reduce((n, c) => n + c.text.length, 0),
    modelView: run.value.text,
    use: 'reuse',
  };
}
