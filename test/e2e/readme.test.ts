// The README's examples, run as written: its TypeScript programs through `magsag exec`, and the
// commands of its five-minute tour. An example that stops working fails here, not for a reader.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang: lang!, body: body! }));

/** Splits a shell command line into words (single and double quotes; no variables or globs). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(match[1] ?? match[2] ?? match[3]!);
  return out;
}

describe('README examples', { timeout: 300_000 }, () => {
  const programs = blocks.filter((b) => b.lang === 'ts' && b.body.includes("from './servers/"));
  it('has programs and a tour to run', () => {
    expect(programs.length).toBeGreaterThan(0);
    expect(blocks.some((b) => b.lang === 'sh' && b.body.includes('pnpm magsag'))).toBe(true);
  });

  it.each(programs.map((p, i) => [i + 1, p.body] as const))('program %i runs as written', (_n, body) => {
    const run = magsag(['exec', '-', '--json'], { input: body });
    const doc = JSON.parse(run.stdout) as { ok: boolean; error: unknown; result: unknown };
    expect(doc.error).toBeNull();
    expect(doc.ok).toBe(true);
    expect(run.status).toBe(0);
  });

  const tour = blocks.find((b) => b.lang === 'sh' && b.body.includes('pnpm magsag tools search'));
  const commands = (tour?.body ?? '')
    .split('\n')
    .map((line) => line.replace(/\s{2,}#.*$/, '').trim())
    .filter((line) => line.includes('pnpm magsag '));
  it.each(commands)('tour: %s', (line) => {
    const [before, after] = line.includes('|') ? (line.split('|', 2) as [string, string]) : [undefined, line];
    const input = before === undefined ? undefined : words(before.trim()).slice(1).join(' ');
    const args = words(after.trim()).slice(2);
    const run = magsag(args, input === undefined ? {} : { input });
    expect(run.status, `${line}\n${run.stderr.slice(-1500)}`).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
  });
});
