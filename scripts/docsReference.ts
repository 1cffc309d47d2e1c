// `pnpm docs:reference` writes docs/reference/ from the code (commander definitions, zod schemas,
// the error-code table); `--check` (run by `pnpm docs:lint`) fails when a page is stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderReference } from 'magsag';

const dir = path.resolve(import.meta.dirname, '..', 'docs', 'reference');
const check = process.argv.includes('--check');
const today = new Date().toISOString().slice(0, 10);
const stale: string[] = [];

const bodyOf = (text: string): string => text.replace(/^---\n[\s\S]*?\n---\n\n?/, '');

mkdirSync(dir, { recursive: true });
for (const page of renderReference()) {
  const file = path.join(dir, page.file);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current !== undefined && bodyOf(current) === page.body) continue;
  stale.push(path.relative(process.cwd(), file));
  if (check) continue;
  // The date moves only when the content does, so a check on another day stays green.
  const frontmatter = ['---', `title: ${JSON.stringify(page.title)}`, `description: ${JSON.stringify(page.description)}`, `last_updated: ${today}`, '---', ''].join('\n');
  writeFileSync(file, `${frontmatter}\n${page.body}`);
}
if (check && stale.length) {
  console.error(`docs/reference is stale: ${stale.join(', ')}. Run \`pnpm docs:reference\` and commit the result.`);
  process.exitCode = 1;
} else if (!check) {
  console.log(stale.length ? `docs:reference: wrote ${stale.join(', ')}` : 'docs:reference: up to date');
}
