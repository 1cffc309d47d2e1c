#!/usr/bin/env node
// The installed `magsag` runs the built JavaScript in this one process: the sandbox's own worker
// processes start with --no-node-snapshot (isolated-vm needs it on Node 20), so this one need not.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../dist/bin.js', import.meta.url))) {
  await import('../dist/bin.js');
} else {
  // Only in a checkout: the published package always has dist/.
  process.stderr.write('error INTERNAL: this magsag has not been built (no dist/bin.js). In a checkout, run `pnpm build`, or `pnpm magsag ...` to run the TypeScript sources.\n');
  process.exitCode = 1;
}
