#!/usr/bin/env node
// The installed `magsag` runs the built JavaScript in this one process: the sandbox's own worker
// processes start with --no-node-snapshot (isolated-vm needs it on Node 20), so this one need not.
// In a checkout, `pnpm build` first, or use `pnpm magsag`, which runs the TypeScript sources.
await import('../dist/bin.js');
