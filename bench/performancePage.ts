import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Replaces this bench's section of docs/performance.md (between `<!-- bench:<name> -->` and
 * `<!-- /bench:<name> -->`, appended when missing) and its last_updated date.
 */
export function updatePerformancePage(root: string, name: string, section: string[]): void {
  const file = path.join(root, 'docs', 'performance.md');
  const today = new Date().toISOString().slice(0, 10);
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : `---\ntitle: Performance\ndescription: Latest benchmark figures, their method and the machine they ran on.\nlast_updated: ${today}\n---\n\n# Performance\n`;
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = [open, ...section, close].join('\n');
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  text = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + close.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text.replace(/^last_updated: .*$/m, `last_updated: ${today}`));
}
