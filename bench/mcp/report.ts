// What `pnpm bench:mcp` prints and writes: a terminal table, bench/results/latest.md and an SVG chart
// of tokens against catalog size and against dataset rows.
import type { BenchDocument, ScenarioRow } from './document.ts';
import { secondaryTokenizer } from './tokens.ts';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pctText = (n: number): string => `${n.toFixed(2)}%`;

function pad(rows: string[][], right: Set<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The terminal table: per scenario, then the aggregates. */
export function terminalTable(doc: BenchDocument): string {
  const header = ['scenario', 'legacy tok', 'code tok', 'reduction', 'legacy defs', 'code defs', 'trips L/C', 'legacy ms', 'code ms', 'peak RSS L/C MiB', 'heap MiB'];
  const rows = doc.scenarios.map((r) =>
    r.ok
      ? [r.name, int(r.legacyTokens), int(r.codeTokens), pctText(r.reductionPct), int(r.legacyDefinitionTokens), int(r.codeDefinitionTokens), `${r.legacyRoundTrips}/${r.codeRoundTrips}`, int(r.legacyMs), int(r.codeMs), `${r.legacyPeakRssMb.toFixed(0)}/${r.codePeakRssMb.toFixed(0)}`, r.codeSandboxHeapMb.toFixed(1)]
      : [r.name, 'FAILED', '', '', '', '', '', '', '', '', ''],
  );
  const a = doc.aggregate;
  const lines = [
    `MCP tokens: legacy tool calling vs code execution (${doc.tokenizer}; ${doc.mode === 'check' ? 'check run' : 'full run'})`,
    '',
    pad([header, ...rows], new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
    '',
    `skills (${a.skills.scenarios} ok${a.skills.failed.length ? `, failed: ${a.skills.failed.join(', ')}` : ''}): legacy ${int(a.skills.legacyTokens)} tok, code ${int(a.skills.codeTokens)} tok, reduction ${pctText(a.skills.reductionPct)}`,
    ...(a.skillReuse
      ? [`skills reused with run_skill (${a.skillReuse.scenarios} ok${a.skillReuse.failed.length ? `, failed: ${a.skillReuse.failed.join(', ')}` : ''}): legacy ${int(a.skillReuse.legacyTokens)} tok, code ${int(a.skillReuse.codeTokens)} tok, reduction ${pctText(a.skillReuse.reductionPct)}`]
      : []),
    `all scenarios (${a.all.scenarios} ok, skills at first use): legacy ${int(a.all.legacyTokens)} tok, code ${int(a.all.codeTokens)} tok, reduction ${pctText(a.all.reductionPct)}`,
    `definitions once per turn (as agents resend them), all scenarios: legacy ${int(perTurn(doc).legacy)} tok, code ${int(perTurn(doc).code)} tok, reduction ${pctText(perTurn(doc).pct)}`,
  ];
  for (const r of doc.scenarios.filter((s) => !s.ok)) lines.push(`FAILED ${r.name}: ${r.error ?? 'unknown error'}`);
  return lines.join('\n');
}

const md = (text: string): string => text.replace(/\|/g, '\\|');

/** Totals with the definitions counted once per turn, over the scenarios "all" counts (skills at first use). */
function perTurn(doc: BenchDocument): { legacy: number; code: number; pct: number } {
  const rows = doc.scenarios.filter((r) => r.ok && r.use !== 'reuse');
  const legacy = rows.reduce((n, r) => n + r.legacyTokensPerTurnDefinitions, 0);
  const code = rows.reduce((n, r) => n + r.codeTokensPerTurnDefinitions, 0);
  return { legacy, code, pct: legacy > 0 ? Math.round((1 - code / legacy) * 10_000) / 100 : 0 };
}

/** The figures as Markdown (bench/results/latest.md, and the figures section of the docs page). */
export function markdownFigures(doc: BenchDocument, chartPath: string): string {
  const a = doc.aggregate;
  const out: string[] = [];
  out.push(`Main figures: ${doc.tokenizer}. Run ${doc.generatedAt.slice(0, 10)} on Node ${doc.environment.node}, ${doc.environment.cpus} CPUs (${doc.environment.cpu}).`);
  out.push('');
  out.push('| scenario | kind | legacy tokens | code tokens | reduction | legacy definitions | code definitions | round trips (legacy / code) | legacy ms | code ms | peak RSS MiB (legacy / code) | sandbox heap MiB |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of doc.scenarios) {
    if (!r.ok) {
      out.push(`| ${r.name} | ${r.kind} | failed | | | | | | | | | |`);
      continue;
    }
    out.push(
      `| ${r.name} | ${r.kind} | ${int(r.legacyTokens)} | ${int(r.codeTokens)} | ${pctText(r.reductionPct)} | ${int(r.legacyDefinitionTokens)} | ${int(r.codeDefinitionTokens)} | ${r.legacyRoundTrips} / ${r.codeRoundTrips} | ${int(r.legacyMs)} | ${int(r.codeMs)} | ${r.legacyPeakRssMb.toFixed(0)} / ${r.codePeakRssMb.toFixed(0)} | ${r.codeSandboxHeapMb.toFixed(1)} |`,
    );
  }
  out.push('');
  out.push(`Skills (${a.skills.scenarios} measured${a.skills.failed.length ? `; failed: ${a.skills.failed.join(', ')}` : ''}): legacy ${int(a.skills.legacyTokens)} tokens, code ${int(a.skills.codeTokens)} tokens, **${pctText(a.skills.reductionPct)}** reduction.`);
  if (a.skillReuse) {
    out.push(
      `Skills reused with \`run_skill\` (${a.skillReuse.scenarios} measured${a.skillReuse.failed.length ? `; failed: ${a.skillReuse.failed.join(', ')}` : ''}): legacy ${int(a.skillReuse.legacyTokens)} tokens, code ${int(a.skillReuse.codeTokens)} tokens, **${pctText(a.skillReuse.reductionPct)}** reduction.`,
    );
  }
  out.push(`All ${a.all.scenarios} scenarios that ran (skills at first use): legacy ${int(a.all.legacyTokens)} tokens, code ${int(a.all.codeTokens)} tokens, ${pctText(a.all.reductionPct)} reduction.`);
  const turns = perTurn(doc);
  out.push(`With the definitions counted once per turn, as agents resend them: legacy ${int(turns.legacy)} tokens, code ${int(turns.code)} tokens, ${pctText(turns.pct)} reduction.`);
  out.push('');
  out.push('Per task, without the tool definitions (what each side adds to the context for this task alone):');
  out.push('');
  out.push('| scenario | legacy tokens without definitions | code tokens without definitions | characters (legacy / code) | tokens, definitions once per turn (legacy / code) |');
  out.push('| --- | ---: | ---: | ---: | ---: |');
  for (const r of doc.scenarios.filter((s) => s.ok)) {
    out.push(
      `| ${r.name} | ${int(r.legacyTokens - r.legacyDefinitionTokens)} | ${int(r.codeTokens - r.codeDefinitionTokens)} | ${int(r.legacyChars)} / ${int(r.codeChars)} | ${int(r.legacyTokensPerTurnDefinitions)} / ${int(r.codeTokensPerTurnDefinitions)} |`,
    );
  }
  const withSecondary = doc.scenarios.filter((s) => s.ok && s.secondary);
  if (withSecondary.length) {
    out.push('');
    out.push(`Second tokenizer: ${secondaryTokenizer}.`);
    out.push('');
    out.push('| scenario | legacy tokens | code tokens | reduction | legacy definitions | code definitions |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of withSecondary) {
      const s = r.secondary!;
      out.push(`| ${r.name} | ${int(s.legacyTokens)} | ${int(s.codeTokens)} | ${pctText(s.reductionPct)} | ${int(s.legacyDefinitionTokens)} | ${int(s.codeDefinitionTokens)} |`);
    }
  }
  const failed = doc.scenarios.filter((s) => !s.ok);
  if (failed.length) {
    out.push('');
    out.push('Failed scenarios:');
    out.push('');
    for (const r of failed) out.push(`- ${r.name}: ${md(r.error ?? 'unknown error').split('\n')[0]}`);
  }
  const notes = doc.scenarios.filter((s) => s.notes?.length);
  if (notes.length) {
    out.push('');
    out.push('Scenario notes:');
    out.push('');
    for (const r of notes) out.push(`- ${r.name}: ${md(r.notes!.join('; '))}`);
  }
  out.push('');
  out.push(`![Tokens against catalog size and dataset rows](${chartPath})`);
  return out.join('\n');
}

/** The whole bench/results/latest.md. */
export function latestMarkdown(doc: BenchDocument): string {
  return [
    '# MCP tokens: legacy tool calling against code execution',
    '',
    'Written by `pnpm bench:mcp` (bench/mcp/index.ts); the method is in [docs/performance/mcp-tokens.md](../../docs/performance/mcp-tokens.md).',
    '',
    markdownFigures(doc, 'mcp-tokens.svg'),
    '',
    '## Counted',
    '',
    ...doc.counted.map((c) => `- ${c}`),
    '',
    '## Not counted',
    '',
    ...doc.notCounted.map((c) => `- ${c}`),
    '',
  ].join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One log-scale panel: legacy and code tokens against an x series. */
function panel(title: string, xLabel: string, points: { x: number; label: string; legacy: number; code: number }[], left: number): string {
  const w = 380;
  const h = 260;
  const top = 40;
  const plotLeft = left + 60;
  const plotW = w - 80;
  const plotH = h - 90;
  const values = points.flatMap((p) => [p.legacy, p.code]).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...values, 1000))));
  const hi = Math.ceil(Math.log10(Math.max(...values, 10_000)));
  const y = (v: number): number => top + plotH - ((Math.log10(Math.max(v, 1)) - lo) / (hi - lo)) * plotH;
  const x = (i: number): number => plotLeft + 35 + (points.length === 1 ? (plotW - 70) / 2 : (i / (points.length - 1)) * (plotW - 70));
  const parts: string[] = [];
  parts.push(`<text x="${left + w / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (let e = lo; e <= hi; e++) {
    const label = e >= 6 ? `${10 ** (e - 6)}M` : e >= 3 ? `${10 ** (e - 3)}k` : `${10 ** e}`;
    parts.push(`<line x1="${plotLeft}" y1="${y(10 ** e)}" x2="${plotLeft + plotW}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    parts.push(`<text x="${plotLeft - 6}" y="${y(10 ** e) + 4}" text-anchor="end" font-size="11">${label}</text>`);
  }
  parts.push(`<line x1="${plotLeft}" y1="${top + plotH}" x2="${plotLeft + plotW}" y2="${top + plotH}" stroke="#555"/>`);
  parts.push(`<line x1="${plotLeft}" y1="${top}" x2="${plotLeft}" y2="${top + plotH}" stroke="#555"/>`);
  points.forEach((p, i) => parts.push(`<text x="${x(i)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${esc(p.label)}</text>`));
  parts.push(`<text x="${plotLeft + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  parts.push(`<text x="${left + 14}" y="${top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${left + 14} ${top + plotH / 2})">tokens (log scale)</text>`);
  for (const [key, color] of [['legacy', '#c0392b'], ['code', '#2471a3']] as const) {
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    points.forEach((p, i) => {
      parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3.5" fill="${color}"/>`);
      parts.push(`<text x="${x(i).toFixed(1)}" y="${(y(p[key]) - 8).toFixed(1)}" text-anchor="middle" font-size="10" fill="${color}">${int(p[key])}</text>`);
    });
  }
  return parts.join('\n');
}

/** The SVG chart: tokens against catalog size, and against dataset rows (log scale, o200k). */
export function chartSvg(doc: BenchDocument): string {
  const byName = (name: string): ScenarioRow | undefined => doc.scenarios.find((s) => s.name === name && s.ok);
  const series = (names: [string, string, number][]): { x: number; label: string; legacy: number; code: number }[] =>
    names.flatMap(([name, label, x]) => {
      const r = byName(name);
      return r ? [{ x, label, legacy: r.legacyTokens, code: r.codeTokens }] : [];
    });
  const catalog = series([
    ['catalog-5-servers', '5', 5],
    ['catalog-20-servers', '20', 20],
    ['catalog-50-servers', '50', 50],
  ]);
  const rows = series([
    ['10000-rows', '10,000', 10_000],
    ['50000-rows', '50,000', 50_000],
  ]);
  const width = 800;
  const height = 300;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    catalog.length ? panel('Tokens against catalog size', 'servers enabled', catalog, 0) : '',
    rows.length ? panel('Tokens against dataset rows', 'rows read, filtered, aggregated', rows, 400) : '',
    `<g font-size="12"><rect x="60" y="${height - 18}" width="12" height="4" fill="#c0392b"/><text x="76" y="${height - 12}">legacy tool calling</text>`,
    `<rect x="220" y="${height - 18}" width="12" height="4" fill="#2471a3"/><text x="236" y="${height - 12}">code execution (MAGSAG)</text>`,
    `<text x="${width - 8}" y="${height - 12}" text-anchor="end" fill="#777" font-size="10">${esc(doc.tokenizer)}, ${doc.generatedAt.slice(0, 10)}</text></g>`,
    '</svg>',
    '',
  ].join('\n');
}
