import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

interface ExecDoc {
  ok: boolean;
  result: unknown;
  logs: { level: string; message: string }[];
  modelView: string;
  diagnostics: { line: number; column: number; message: string }[];
  metrics: { toolCallCount: number; wallMs: number };
  workspace: { id: string } | null;
  error: { code: string; message: string } | null;
}

const run = (args: string[], input?: string): { status: number; doc: ExecDoc; stderr: string } => {
  const out = magsag(['exec', ...args, '--json'], input === undefined ? {} : { input });
  return { status: out.status, doc: JSON.parse(out.stdout) as ExecDoc, stderr: out.stderr };
};

describe('magsag exec', () => {
  it('runs a program that lists a directory through the filesystem server and returns ten lines', () => {
    const { status, doc } = run(['examples/listNotes.ts']);
    expect(status).toBe(0);
    expect(Object.keys(doc).sort()).toEqual(['diagnostics', 'error', 'logs', 'metrics', 'modelView', 'ok', 'result', 'workspace']);
    expect(doc.ok).toBe(true);
    expect(doc.error).toBeNull();
    expect(doc.result).toHaveLength(10);
    expect((doc.result as string[])[0]).toBe('1. design-01');
    expect(doc.logs).toEqual([expect.objectContaining({ level: 'log', message: '24 notes in the demo folder' })]);
    expect(doc.metrics.toolCallCount).toBe(2);
    expect(doc.modelView).toContain('10. incident-14');
    const human = magsag(['exec', 'examples/listNotes.ts']);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('1. design-01');
    expect(human.stderr).toMatch(/ok · \d+ ms wall/);
  });

  it('type-checks against the generated modules before running', () => {
    const { status, doc } = run(['-'], "import { echo } from './servers/everything/echo';\nexport default await echo({ message: 42 });\n");
    expect(status).toBe(1);
    expect(doc.error?.code).toBe('SANDBOX_TYPECHECK');
    expect(doc.diagnostics[0]).toMatchObject({ line: 2, message: expect.stringContaining('number') });
    expect(doc.metrics.toolCallCount).toBe(0);
  });

  it('ends a runaway program at its limit and refuses imports outside servers/ and skills/', () => {
    const loop = run(['-', '--timeout', '1500', '--no-typecheck'], 'while (true) {}\n');
    expect(loop.status).toBe(1);
    expect(['SANDBOX_TIMEOUT', 'SANDBOX_CPU_LIMIT']).toContain(loop.doc.error?.code);
    const denied = run(['-', '--no-typecheck'], "import fs from 'node:fs';\nexport default fs.readFileSync('/etc/passwd', 'utf8');\n");
    expect(denied.status).toBe(1);
    expect(denied.doc.error).toMatchObject({ code: 'SANDBOX_IMPORT_DENIED', message: expect.stringContaining('node:fs') });
  });

  it('keeps files and PII placeholders across runs in one workspace, and never prints the raw value', () => {
    const ws = `e2e-${randomUUID().slice(0, 8)}`;
    const email = `ada.${randomUUID().slice(0, 6)}@analytical.example`;
    const first = run(
      ['-', '--workspace', ws],
      `import { echo } from './servers/everything/echo';\nconst out = await echo({ message: 'contact ${email}' });\nawait workspace.write('note.txt', 'saved');\nexport default out;\n`,
    );
    expect(first.status).toBe(0);
    expect(first.doc.workspace?.id).toBe(ws);
    const firstText = JSON.stringify(first.doc);
    expect(firstText).not.toContain(email);
    expect(firstText).toContain('[EMAIL_1]');
    // The placeholder goes back to the server it came from (allowed), and comes back as the same placeholder.
    const second = run(
      ['-', '--workspace', ws],
      `import { echo } from './servers/everything/echo';\nconst saved = await workspace.read('note.txt');\nexport default { saved, echoed: await echo({ message: 'again [EMAIL_1]' }) };\n`,
    );
    expect(second.status).toBe(0);
    expect(second.doc.result).toMatchObject({ saved: 'saved' });
    expect(JSON.stringify(second.doc.result)).toContain('again [EMAIL_1]');
    expect(JSON.stringify(second.doc)).not.toContain(email);

    // The audit of the first run holds the raw value, encrypted: shown only with the vault key.
    const runId = (first.doc.workspace as unknown as { runId: string }).runId;
    const audit = magsag(['audit', 'show', runId, '--json']);
    expect(audit.status).toBe(0);
    expect(JSON.parse(audit.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ direction: 'tokenize', server: 'everything', kind: 'EMAIL', placeholder: '[EMAIL_1]', value: email })]));
    const auditFile = readFileSync(path.join(repoRoot, '.magsag', 'audit', `${runId}.jsonl`), 'utf8');
    expect(auditFile).toContain('[EMAIL_1]');
    expect(auditFile).not.toContain(email);
    const wrongKey = magsag(['audit', 'show', runId], { env: { MAGSAG_VAULT_KEY: 'ab'.repeat(32) } });
    expect(wrongKey.status).toBe(2);
    expect(wrongKey.stderr).toContain('PII_VAULT_KEY');
  });

  it('exits 2 for a missing program file', () => {
    const out = magsag(['exec', 'no/such/program.ts']);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('no such file');
  });
});
