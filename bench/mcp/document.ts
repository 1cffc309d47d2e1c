// The JSON document of `pnpm bench:mcp` (bench/results/latest.json) and the figures derived from it.
import { cpus } from 'node:os';
import type { Measured } from './measure.ts';
import type { BrokenScenario } from './scenarios.ts';
import { primaryTokenizer, secondaryTokenizer } from './tokens.ts';

export interface ScenarioRow {
  name: string;
  kind: string;
  ok: boolean;
  error?: string;
  legacyTokens: number;
  codeTokens: number;
  reductionPct: number;
  legacyDefinitionTokens: number;
  codeDefinitionTokens: number;
  legacyRoundTrips: number;
  codeRoundTrips: number;
  /** Tokens with the definitions counted once per turn (as agents resend them). */
  legacyTokensPerTurnDefinitions: number;
  codeTokensPerTurnDefinitions: number;
  /** A skill's first use (the agent writes its code) or reuse (run_skill). */
  use?: 'first' | 'reuse';
  legacyChars: number;
  codeChars: number;
  legacyMs: number;
  codeMs: number;
  legacyPeakRssMb: number;
  codePeakRssMb: number;
  codeSandboxHeapMb: number;
  toolCalls: number;
  notes?: string[];
  secondary?: { tokenizer: string; legacyTokens: number; codeTokens: number; reductionPct: number; legacyDefinitionTokens: number; codeDefinitionTokens: number };
}

export interface Totals {
  legacyTokens: number;
  codeTokens: number;
  reductionPct: number;
}

export interface BenchDocument {
  tokenizer: string;
  generatedAt: string;
  environment: { node: string; platform: string; cpus: number; cpu: string };
  mode: 'full' | 'check';
  counted: string[];
  notCounted: string[];
  scenarios: ScenarioRow[];
  aggregate: { skills: Totals & { scenarios: number; failed: string[] }; skillReuse?: Totals & { scenarios: number; failed: string[] }; all: Totals & { scenarios: number } };
}

export const counted = [
  'legacy: every enabled server\'s tool definitions ({ name: "<server>__<tool>", description, input_schema }, one compact JSON document), counted once for the whole task (and once per turn in the *PerTurnDefinitions columns)',
  'legacy: each tool call as the model writes it (tool name and JSON arguments) and each result in full (its content blocks: text as is, other blocks as JSON; an error as its message)',
  'code: the magsag serve tool definitions in the same shape, counted once (and once per turn in the *PerTurnDefinitions columns)',
  'code: what a client of `magsag serve` (stdio) sends and gets back: one search_tools call at detail "summary" with a query naming the task, for each tool the code uses that this answer does not name, one more summary search for the words of its name on its server; then one at detail "full" (limit 1) per tool the code uses; a scenario fails when these answers do not name the tools its code uses',
  'code: the execute_code call (the code the agent writes: the skill\'s whole source for a skill\'s first use, the program otherwise) and serve\'s real answer (masked model view)',
  'skills twice: first use (searches, the agent writes the skill\'s code, execute_code) and reuse ("<skill> (reuse)": list_skills, then run_skill with the input; no code written)',
  'round trips: one model turn per tool call on both sides (no parallel calls on either): legacy = tool calls + 1 to answer; code = searches + execute_code + 1 to answer; reuse = list_skills + run_skill + 1',
  'memory: peak resident memory of the processes that did the work: serve\'s process tree (serve, its sandbox workers, its MCP servers) for code; the bench process and its MCP servers for legacy',
];

export const notCounted = [
  'the system prompt and the user\'s request (the same on both sides)',
  'the final answer to the user (the same on both sides)',
  'model inference time: legacyMs is the tool calls alone, replayed directly on the MCP client; codeMs is serve\'s execute_code (or run_skill) round trip (type-check, sandbox, calls, masking)',
  'PII masking on the legacy side: its results are counted raw (serve masks the code side\'s answers, which makes placeholders of personal values)',
  'the direct run of each program that records the legacy side\'s calls (not counted, not timed)',
];

const pct = (legacy: number, code: number): number => (legacy > 0 ? Math.round((1 - code / legacy) * 10_000) / 100 : 0);
const r1 = (n: number): number => Math.round(n * 10) / 10;

export function toRow(m: Measured, secondary: boolean): ScenarioRow {
  return {
    name: m.spec.name,
    kind: m.spec.kind,
    ok: m.ok,
    ...(m.error ? { error: m.error } : {}),
    legacyTokens: m.legacy.tokens,
    codeTokens: m.code.tokens,
    reductionPct: pct(m.legacy.tokens, m.code.tokens),
    legacyDefinitionTokens: m.legacy.definitionTokens,
    codeDefinitionTokens: m.code.definitionTokens,
    legacyRoundTrips: m.legacy.roundTrips,
    codeRoundTrips: m.code.roundTrips,
    legacyTokensPerTurnDefinitions: m.legacy.tokensPerTurnDefinitions,
    codeTokensPerTurnDefinitions: m.code.tokensPerTurnDefinitions,
    ...(m.use ? { use: m.use } : {}),
    legacyChars: m.legacy.chars,
    codeChars: m.code.chars,
    legacyMs: r1(m.legacy.ms),
    codeMs: r1(m.code.ms),
    legacyPeakRssMb: r1(m.legacy.peakRssMb),
    codePeakRssMb: r1(m.code.peakRssMb),
    codeSandboxHeapMb: r1(m.code.sandboxHeapMb),
    toolCalls: m.toolCalls,
    ...(m.spec.notes ? { notes: m.spec.notes } : {}),
    ...(secondary
      ? {
          secondary: {
            tokenizer: secondaryTokenizer,
            legacyTokens: m.legacy.secondaryTokens,
            codeTokens: m.code.secondaryTokens,
            reductionPct: pct(m.legacy.secondaryTokens, m.code.secondaryTokens),
            legacyDefinitionTokens: m.legacy.definitionSecondaryTokens,
            codeDefinitionTokens: m.code.definitionSecondaryTokens,
          },
        }
      : {}),
  };
}

export function brokenRow(b: BrokenScenario): ScenarioRow {
  return {
    name: b.name,
    kind: b.kind,
    ok: false,
    error: b.error,
    legacyTokens: 0,
    codeTokens: 0,
    reductionPct: 0,
    legacyDefinitionTokens: 0,
    codeDefinitionTokens: 0,
    legacyRoundTrips: 0,
    codeRoundTrips: 0,
    legacyTokensPerTurnDefinitions: 0,
    codeTokensPerTurnDefinitions: 0,
    legacyChars: 0,
    codeChars: 0,
    legacyMs: 0,
    codeMs: 0,
    legacyPeakRssMb: 0,
    codePeakRssMb: 0,
    codeSandboxHeapMb: 0,
    toolCalls: 0,
  };
}

export function buildDocument(rows: ScenarioRow[], mode: 'full' | 'check'): BenchDocument {
  const sum = (list: ScenarioRow[]): Totals => {
    const legacyTokens = list.reduce((n, r) => n + r.legacyTokens, 0);
    const codeTokens = list.reduce((n, r) => n + r.codeTokens, 0);
    return { legacyTokens, codeTokens, reductionPct: pct(legacyTokens, codeTokens) };
  };
  const skills = rows.filter((r) => r.kind === 'skill' && r.use !== 'reuse');
  const reuses = rows.filter((r) => r.kind === 'skill' && r.use === 'reuse');
  const okReuses = reuses.filter((r) => r.ok);
  const okSkills = skills.filter((r) => r.ok);
  // Reuse rows repeat their skill's legacy side: "all" counts each task once.
  const okRows = rows.filter((r) => r.ok && r.use !== 'reuse');
  return {
    tokenizer: primaryTokenizer,
    generatedAt: new Date().toISOString(),
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown' },
    mode,
    counted,
    notCounted,
    scenarios: rows,
    aggregate: {
      skills: { ...sum(okSkills), scenarios: okSkills.length, failed: skills.filter((r) => !r.ok).map((r) => r.name) },
      skillReuse: { ...sum(okReuses), scenarios: okReuses.length, failed: reuses.filter((r) => !r.ok).map((r) => r.name) },
      all: { ...sum(okRows), scenarios: okRows.length },
    },
  };
}
