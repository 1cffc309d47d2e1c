import path from 'node:path';
import type { Diagnostic } from './diagnostics.ts';
import type { GenerateResult } from './generate.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One diagnostic as a line of text: `warning CODE server/tool: message`. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = diagnostic.server === undefined ? '' : ` ${diagnostic.server}${diagnostic.tool === undefined ? '' : `/${diagnostic.tool}`}:`;
  return `${diagnostic.level}${diagnostic.code === undefined ? '' : ` ${diagnostic.code}`}${where} ${diagnostic.message}`;
}

/**
 * The human report of a run: with `check`, one line per missing, stale or extra file and the
 * command that fixes them; then the summary line (servers, tools, files written, unchanged).
 * Paths are shown relative to `cwd` (@default process.cwd()).
 */
export function formatSummary(result: GenerateResult, cwd: string = process.cwd()): string {
  const lines: string[] = [];
  const s = result.summary;
  if (result.check) {
    for (const file of result.files) {
      if (file.status === 'unchanged') continue;
      const why = file.status === 'stale' && file.editedByHand ? ' (edited by hand)' : '';
      lines.push(`  ${file.status.padEnd(7)} ${file.path}${why}`);
    }
    const outOfDate = s.missing + s.stale + s.extra;
    lines.push(
      `codegen --check: ${plural(s.servers, 'server')}, ${plural(s.tools, 'tool')}: ` +
        (outOfDate === 0
          ? `${s.unchanged} files up to date.`
          : `${s.missing} missing, ${s.stale} stale, ${s.extra} extra, ${s.unchanged} up to date. Run \`${result.fix ?? 'magsag codegen'}\` to fix.`),
    );
  } else {
    lines.push(
      `codegen: ${plural(s.servers, 'server')}, ${plural(s.tools, 'tool')}: ${plural(s.written, 'file')} written, ${s.unchanged} unchanged` +
        `${s.deleted ? `, ${s.deleted} deleted` : ''} in ${path.relative(cwd, result.outDir) || '.'}/.`,
    );
  }
  const errors = result.diagnostics.filter((d) => d.level === 'error' && d.code !== 'CODEGEN_STALE').length;
  if (errors > 0) lines.push(`codegen: ${plural(errors, 'error')} (listed above); fix ${errors === 1 ? 'it' : 'them'} and run again.`);
  return `${lines.join('\n')}\n`;
}
