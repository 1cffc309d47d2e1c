import { main } from './program.ts';

// `pnpm magsag` runs scripts from the repo root; resolve the user's relative paths against the
// folder they ran it from instead.
if (process.env['npm_lifecycle_event'] === 'magsag' && process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);

process.exitCode = await main(process.argv.slice(2));
