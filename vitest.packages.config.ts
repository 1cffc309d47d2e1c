import { defineConfig } from 'vitest/config';

// `pnpm test:packages`: the packed packages installed with npm on Node 20, 22 and 24
// (test/e2e/packages/). Minutes long, so kept out of `pnpm test`; `pnpm verify` runs it.
export default defineConfig({
  test: {
    include: ['test/e2e/packages/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
