import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

const vault = path.join(repoRoot, '.magsag', 'demo', 'vault');

describe('magsag run / skills', () => {
  it('skills list --json names each skill with its servers', () => {
    const { status, stdout } = magsag(['skills', 'list', '--json']);
    expect(status).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; description: string; version: string; servers: { server: string; tool: string }[] }[];
    const note = rows.find((r) => r.name === 'obsidian-note-append');
    expect(note).toMatchObject({ version: '1.0.0', servers: expect.arrayContaining([{ server: 'vault', tool: 'write_file' }]) });
  });

  it('obsidian-note-append creates a note, then appends to it', () => {
    const note = `Scratch/${randomUUID().slice(0, 8)}.md`;
    const first = magsag(['run', 'obsidian-note-append', '--input', JSON.stringify({ path: note, heading: 'Log', content: '- first' }), '--approve', 'vault/write_file', '--json']);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).result).toEqual({ path: note, bytesWritten: 16, created: true });
    const second = magsag(['run', 'obsidian-note-append', '--input', JSON.stringify({ path: note, content: '- second' }), '--approve', 'vault/write_file', '--json']);
    expect(JSON.parse(second.stdout).result).toMatchObject({ created: false });
    expect(readFileSync(path.join(vault, note), 'utf8')).toBe('## Log\n\n- first\n\n- second\n');
  });

  it('--example 0 works on the demo data', () => {
    const { status, stdout } = magsag(['run', 'obsidian-note-append', '--example', '0', '--approve', 'vault/write_file']);
    expect(status).toBe(0);
    expect(stdout).toContain('"path": "Daily/2026-11-24.md"');
  });

  it('refuses a path outside the vault without writing anything', () => {
    const { status, stdout } = magsag(['run', 'obsidian-note-append', '--input', '{"path":"../../escape.md","content":"x"}', '--json']);
    expect(status).toBe(1);
    expect(JSON.parse(stdout).error.message).toContain('leaves the vault');
    expect(existsSync(path.join(vault, '..', '..', 'escape.md'))).toBe(false);
  });

  it('bad input exits 2 with what to fix', () => {
    const schema = magsag(['run', 'obsidian-note-append', '--input', '{"path":"note.txt"}']);
    expect(schema.status).toBe(2);
    expect(schema.stderr).toContain('error SKILL_INVALID');
    expect(schema.stderr).toContain("must have required property 'content'");
    const json = magsag(['run', 'obsidian-note-append', '--input', '{not json']);
    expect(json.status).toBe(2);
    expect(json.stderr).toContain('--input is not valid JSON');
    const unknown = magsag(['run', 'no-such-skill']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('error SKILL_NOT_FOUND');
    const example = magsag(['run', 'obsidian-note-append', '--example', '9']);
    expect(example.status).toBe(2);
    expect(example.stderr).toContain('--example 9 does not exist');
    expect(magsag(['run', 'obsidian-note-append', '--input', '@/no/such/file.json']).status).toBe(2);
  });
});
