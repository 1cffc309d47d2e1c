// @ts-check
import js from '@eslint/js';
import unicorn from 'eslint-plugin-unicorn';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    // Generated modules are guarded by `pnpm mcp:codegen --check`, not by lint.
    ignores: ['**/node_modules/**', '**/dist/**', '.magsag/**', 'servers/**', 'bench/results/**', 'coverage/**', '**/.cache/**', 'packages/runner/src/guest/webGlobalsBundle.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { unicorn },
    rules: {
      // One file-name case for the whole repo: camelCase (servers/<id>/<toolName>.ts follows it too).
      // A leading "_" marks a private module; upper-case docs (README.md, SKILL.md) are not linted.
      'unicorn/filename-case': ['error', { case: 'camelCase', ignore: [/^_/, /^[A-Z]+\.md$/] }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'tools/**', 'examples/**', 'skills/**', '**/bin/**', '**/*.js', '**/*.mjs', '**/test/fixtures/**'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' },
  },
  {
    // The page of `magsag ui`: browser code, bundled by esbuild (packages/ui/scripts/buildWeb.mjs).
    files: ['packages/ui/web/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The per-Node isolated-vm wrappers: CommonJS re-exports of a CommonJS native addon.
    files: ['packages/isolated-vm/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
