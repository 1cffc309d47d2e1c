// `pnpm catalog:validate`: every skill's SKILL.md, tools, imports, types and examples.
import path from 'node:path';
import { resolveProjectPaths } from '@magsag/mcp-client/config';
import { validateCatalog } from './validate.ts';

const json = process.argv.includes('--json');
const { root } = resolveProjectPaths();
const result = validateCatalog({ root });
if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  for (const d of result.diagnostics) {
    process.stderr.write(`${d.level} ${path.relative(process.cwd(), d.file) || d.file}${d.field ? ` (${d.field})` : ''}: ${d.message}\n`);
  }
  process.stdout.write(`catalog:validate: ${result.skills} skill${result.skills === 1 ? '' : 's'}, ${result.diagnostics.filter((d) => d.level === 'error').length} error(s).\n`);
}
process.exitCode = result.ok ? 0 : 1;
