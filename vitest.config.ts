import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // Resolve @magsag/* packages to their TypeScript sources: no build step before tests.
  // (Vite's defaults are repeated: setting `conditions` replaces them.)
  resolve: { conditions: ['magsag-source', 'module', 'node', 'development|production'] },
  ssr: { resolve: { conditions: ['magsag-source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/e2e/**/*.test.ts', 'tools/demo-servers/test/**/*.test.ts'],
    // The installed-package checks take minutes: `pnpm test:packages` (vitest.packages.config.ts).
    exclude: [...configDefaults.exclude, 'test/e2e/packages/**'],
    pool: 'forks',
    // isolated-vm on Node 20 needs this; every entry point sets it so nobody has to.
    execArgv: ['--no-node-snapshot'],
    globalSetup: ['./test/e2e/globalSetup.ts'],
    // Guards against a hung test, not speed targets (those live in pnpm bench:*): generous enough
    // for a machine with six CPU-bound neighbours (pnpm verify:loaded), where spawning the CLI from
    // source is several times slower.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 10_000,
  },
});
