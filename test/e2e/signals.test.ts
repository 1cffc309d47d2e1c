import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.ts';

const processesWith = (marker: string): string[] =>
  execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker));

describe('Ctrl-C', () => {
  it('ends every server process the CLI started', async () => {
    const marker = `magsag-sigint-${randomUUID()}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'magsag-sigint-'));
    mkdirSync(path.join(dir, 'servers'));
    // Two servers that start but never answer initialize, so `servers test` is still waiting on them.
    for (const id of ['slow-a', 'slow-b']) {
      writeFileSync(
        path.join(dir, 'servers', `${id}.yaml`),
        `id: ${id}\ntransport:\n  type: stdio\n  command: node\n  args: ["-e", "process.stdin.resume(); process.stdin.on('end', () => {}); setInterval(() => {}, 1000)", "${marker}"]\ntimeouts:\n  connectMs: 60000\n`,
      );
    }
    const cli = spawn(
      process.execPath,
      ['--no-node-snapshot', '--conditions=magsag-source', '--import', pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, path.join(repoRoot, 'packages/cli/src/bin.ts'), 'servers', 'test', '--all', '--servers-dir', path.join(dir, 'servers')],
      { stdio: 'ignore' },
    );
    try {
      for (let i = 0; i < 100 && processesWith(marker).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processesWith(marker)).toHaveLength(2);
      cli.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
      expect(code).toBe(130);
      expect(processesWith(marker)).toEqual([]);
    } finally {
      cli.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
