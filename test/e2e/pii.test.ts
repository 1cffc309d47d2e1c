import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { magsag } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'magsag-pii-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('magsag pii mask', () => {
  const text = 'Write to grace.hopper@navy.example or call +1 415 555 2671. Order 12345 shipped in v2.4.1.\n';

  it('masks stdin and keeps what is not personal', () => {
    const { status, stdout } = magsag(['pii', 'mask'], { input: text });
    expect(status).toBe(0);
    expect(stdout).toBe('Write to [EMAIL_1] or call [PHONE_1]. Order 12345 shipped in v2.4.1.\n');
  });

  it('reports findings with offsets into the original text (--json, from a file)', () => {
    const file = path.join(dir, 'log.txt');
    writeFileSync(file, text);
    const { status, stdout } = magsag(['pii', 'mask', file, '--json']);
    expect(status).toBe(0);
    const result = JSON.parse(stdout) as { masked: string; findings: { kind: string; placeholder: string; start: number; end: number }[] };
    expect(result.findings.map((f) => [f.kind, f.placeholder, text.slice(f.start, f.end)])).toEqual([
      ['EMAIL', '[EMAIL_1]', 'grace.hopper@navy.example'],
      ['PHONE', '[PHONE_1]', '+1 415 555 2671'],
    ]);
  });

  it('exits 2 for a missing file', () => {
    const { status, stderr } = magsag(['pii', 'mask', path.join(dir, 'missing.txt')]);
    expect(status).toBe(2);
    expect(stderr).toContain('no such file');
  });
});
