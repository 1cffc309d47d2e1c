// `pnpm bench:mcp --check`: the figures of this run against bench/results/baseline.json.
import type { BenchDocument, ScenarioRow } from './document.ts';

/** Code-side tokens may grow by this fraction (and at least `slackTokens`) before it is a regression. */
export const codeTokensTolerance = 0.1;
export const slackTokens = 50;
/** The reduction may drop by this many percentage points before it is a regression. */
export const reductionTolerancePts = 1;

export interface CheckOutcome {
  ok: boolean;
  lines: string[];
}

export function compareWithBaseline(current: BenchDocument, baseline: BenchDocument, skipped: ReadonlySet<string>): CheckOutcome {
  const lines: string[] = [];
  let ok = true;
  const now = new Map(current.scenarios.map((s) => [s.name, s]));
  const fail = (line: string): void => {
    ok = false;
    lines.push(`FAIL  ${line}`);
  };
  for (const base of baseline.scenarios) {
    const cur: ScenarioRow | undefined = now.get(base.name);
    if (!base.ok) {
      if (cur?.ok) lines.push(`new   ${base.name}: runs now (failed in the baseline): ${cur.reductionPct.toFixed(2)}%`);
      continue;
    }
    if (!cur) {
      if (skipped.has(base.name)) lines.push(`skip  ${base.name}: not part of the check run`);
      else fail(`${base.name}: in the baseline but not measured now (removed or renamed? refresh with pnpm bench:mcp --update-baseline)`);
      continue;
    }
    if (!cur.ok) {
      fail(`${base.name}: failed: ${cur.error ?? 'unknown error'}`);
      continue;
    }
    const maxCode = Math.max(base.codeTokens * (1 + codeTokensTolerance), base.codeTokens + slackTokens);
    const problems: string[] = [];
    if (cur.codeTokens > maxCode) problems.push(`code tokens ${cur.codeTokens} > ${Math.floor(maxCode)} (baseline ${base.codeTokens} + ${codeTokensTolerance * 100}%)`);
    if (cur.reductionPct < base.reductionPct - reductionTolerancePts) problems.push(`reduction ${cur.reductionPct.toFixed(2)}% < baseline ${base.reductionPct.toFixed(2)}% - ${reductionTolerancePts} pt`);
    if (problems.length) fail(`${base.name}: ${problems.join('; ')}`);
    else lines.push(`ok    ${base.name}: ${cur.codeTokens} code tokens (baseline ${base.codeTokens}), ${cur.reductionPct.toFixed(2)}% (baseline ${base.reductionPct.toFixed(2)}%)`);
  }
  const known = new Set(baseline.scenarios.map((s) => s.name));
  for (const cur of current.scenarios.filter((s) => !known.has(s.name))) {
    if (cur.ok) lines.push(`new   ${cur.name}: not in the baseline yet: ${cur.reductionPct.toFixed(2)}% (add it with pnpm bench:mcp --update-baseline)`);
    // Not a regression: nothing to compare with. It is shown, and the full run reports it too.
    else lines.push(`warn  ${cur.name}: new scenario failed: ${cur.error ?? 'unknown error'}`);
  }
  return { ok, lines };
}
