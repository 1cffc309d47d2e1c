import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { magsag, snapshotTree } from './helpers.ts';

describe('workspace ids are validated before anything touches the disk', () => {
  const sandbox = mkdtempSync(path.join(tmpdir(), 'magsag-ids-'));
  const stateDir = path.join(sandbox, 'project', '.magsag');
  afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

  const hostile = ['../../../x/ada@example.com', '../etc', '..', '.hidden', 'a/b', 'x'.repeat(65), ''];

  it.each(hostile)('exec --workspace %j exits 2 with USAGE and creates nothing', (id) => {
    const before = snapshotTree(sandbox);
    const { status, stdout } = magsag(['exec', '-', '--workspace', id, '--json', '--no-typecheck'], {
      input: 'export default 1;\n',
      env: { MAGSAG_STATE_DIR: stateDir },
    });
    expect(status).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'USAGE' } });
    expect(snapshotTree(sandbox)).toEqual(before);
  });

  it('run --workspace with a skill input refuses the id before the input reaches a vault', () => {
    const before = snapshotTree(sandbox);
    const { status } = magsag(['run', 'obsidian-note-append', '--input', '{"path":"a.md","content":"ada@example.com"}', '--workspace', '../../y', '--json'], {
      env: { MAGSAG_STATE_DIR: stateDir },
    });
    expect(status).toBe(2);
    expect(snapshotTree(sandbox)).toEqual(before);
  });
});
