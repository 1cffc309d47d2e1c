import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

const packages = ['core', 'mcp-client'];
const scratch = mkdtempSync(path.join(tmpdir(), 'magsag-scratch-'));

interface ExportTarget {
  [condition: string]: string | ExportTarget;
}

describe('@magsag/mcp-client as a dependency of another project', () => {
  beforeAll(() => {
    for (const name of packages) {
      execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(repoRoot, 'packages', name, 'tsconfig.json')]);
    }
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('every exports path exists after the build', () => {
    for (const name of packages) {
      const dir = path.join(repoRoot, 'packages', name);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports: Record<string, ExportTarget> };
      const targets = Object.values(manifest.exports).flatMap((entry) => Object.values(entry));
      for (const target of targets) expect(existsSync(path.join(dir, String(target))), `${name}: ${String(target)}`).toBe(true);
    }
  });

  it('a scratch project calls server-memory through the built package in a dozen lines', () => {
    mkdirSync(path.join(scratch, 'mcp'), { recursive: true });
    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: { '@magsag/mcp-client': `file:${path.join(repoRoot, 'packages/mcp-client')}` } }),
    );
    writeFileSync(
      path.join(scratch, 'mcp/memory.yaml'),
      `id: memory\ntransport:\n  type: stdio\n  command: node\n  args: [${JSON.stringify(path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'))}]\n  env:\n    MEMORY_FILE_PATH: ../memory.jsonl\n`,
    );
    writeFileSync(
      path.join(scratch, 'demo.mjs'),
      `import { McpClient } from '@magsag/mcp-client';
const client = new McpClient();
try {
  await client.callTool('memory', 'create_entities', { entities: [{ name: 'Ada Lovelace', entityType: 'person', observations: ['first programmer'] }] });
  const found = await client.callTool('memory', 'search_nodes', { query: 'Ada' });
  console.log(JSON.stringify(found.structuredContent));
} finally {
  await client.close();
}
`,
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline'], { cwd: scratch, stdio: 'ignore' });
    const output = execFileSync(process.execPath, ['demo.mjs'], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
    expect(JSON.parse(output)).toMatchObject({ entities: [{ name: 'Ada Lovelace', observations: ['first programmer'] }] });
    expect(readFileSync(path.join(scratch, 'memory.jsonl'), 'utf8')).toContain('Ada Lovelace');
  });

  it('every public package has one version, which the CLI prints; no source hard-codes it', () => {
    const dirs = ['catalog', 'cli', 'codegen', 'core', 'mcp-client', 'pii', 'runner', 'isolated-vm/node20', 'isolated-vm/node22', 'isolated-vm/node24'];
    const versions = new Set(dirs.map((dir) => (JSON.parse(readFileSync(path.join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as { version: string }).version));
    expect(versions.size).toBe(1);
    expect(magsag(['--version']).stdout.trim()).toBe([...versions][0]);
    const sources = ['packages/cli/src/program.ts', 'packages/cli/src/serve/server.ts', 'packages/mcp-client/src/connection.ts', 'packages/catalog/src/scaffold.ts'];
    for (const file of sources) expect(readFileSync(path.join(repoRoot, file), 'utf8'), file).not.toMatch(/version: '\d+\.\d+\.\d+'|\.version\('\d/);
  });
});
