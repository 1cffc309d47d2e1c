import { findProjectRoot } from '@magsag/mcp-client/paths';
import { main } from './program.ts';

// `pnpm magsag` runs scripts from the repo root; resolve the user's relative paths against the
// folder they ran it from instead. When that folder is in no project (an MCP client starting
// `pnpm --dir <checkout> magsag serve` from anywhere), the project is the checkout pnpm ran in.
if (process.env['npm_lifecycle_event'] === 'magsag' && process.env['INIT_CWD']) {
  const scriptDir = process.cwd();
  process.chdir(process.env['INIT_CWD']);
  if (!process.env['MAGSAG_PROJECT'] && findProjectRoot(process.cwd()) === undefined && findProjectRoot(scriptDir) !== undefined) {
    process.env['MAGSAG_PROJECT'] = findProjectRoot(scriptDir);
  }
}

process.exitCode = await main(process.argv.slice(2));
