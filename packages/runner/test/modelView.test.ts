import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, readRunOutput, type Masker, type RunOutputPage } from '../src/index.ts';
import { tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
afterAll(() => temp.cleanup());

describe('model view', () => {
  it('caps the text, says so, and names the run and workspace that keep the whole output (never a host path)', async () => {
    const runner = createRunner({ ...temp.config, modelViewBytes: 600 });
    const run = await runner.execute({
      code: "for (let i = 0; i < 50; i++) console.log('line ' + i + ' ' + 'x'.repeat(40));\nexport default Array.from({ length: 100 }, (_, i) => ({ i }));",
    });
    expect(run.ok).toBe(true);
    expect(Buffer.byteLength(run.modelView)).toBeLessThanOrEqual(600);
    expect(run.modelView).toMatch(/\[truncated: \d+ of \d+ bytes shown; the whole output is kept: read_output/);
    expect(run.modelView).toContain(`read_output({ "workspace": "${run.workspace?.id}", "runId": "${run.workspace?.runId}" })`);
    // Cut at a value boundary: every line before the notice is a whole log line, JSON line or section note.
    const body = run.modelView.slice(0, run.modelView.indexOf('\n\n[truncated'));
    for (const line of body.split('\n')) expect(line).toMatch(/^(Run |Result:|Logs \(|\[log\] line \d+ x{40}$|[[\]{}]|\s+"i": \d+$|\s+[{}],?$|\.\.\. \(\d+ more bytes\)$|$)/);
    expect(run.modelView).not.toContain(temp.config.stateDir);
    expect(run.modelView).not.toMatch(/\/(tmp|root|home)\//);
    const full = JSON.parse(readFileSync(run.workspace?.outputPath ?? '', 'utf8')) as { result: unknown[]; logs: unknown[] };
    expect(full.result).toHaveLength(100);
    expect(full.logs).toHaveLength(50);
  });

  it('read_output pages through the whole output of a run, only in a workspace its owner opens', async () => {
    const runner = createRunner({ ...temp.config, modelViewBytes: 400 });
    const run = await runner.execute({ code: "export default Array.from({ length: 300 }, (_, i) => ({ i, word: 'w' + i }));" });
    const workspace = run.workspace!.id;
    const pages: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: RunOutputPage = readRunOutput(temp.config.stateDir!, workspace, run.workspace!.runId, { offset, length: 4000 });
      pages.push(page.text);
      offset = page.next;
    }
    expect((JSON.parse(pages.join('')) as { result: unknown[] }).result).toHaveLength(300);
    expect(() => readRunOutput(temp.config.stateDir!, workspace, run.workspace!.runId, { owner: 'mallory' })).toThrow(expect.objectContaining({ code: 'WORKSPACE_NOT_FOUND' }));
    expect(() => readRunOutput(temp.config.stateDir!, workspace, 'run-20200101T000000-00000000')).toThrow(expect.objectContaining({ code: 'RUN_NOT_FOUND' }));
    expect(() => readRunOutput(temp.config.stateDir!, workspace, '../../etc/passwd')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('is whole when it fits, with result, logs and status', async () => {
    const run = await createRunner(temp.config).execute({ code: "console.warn('careful');\nexport default { n: 1 };" });
    expect(run.modelView).toMatch(/^Run run-\S+ succeeded in \d+ ms with 0 tool calls\./);
    expect(run.modelView).toContain('Result:\n{\n  "n": 1\n}');
    expect(run.modelView).toContain('[warn] careful');
    expect(run.modelView).not.toContain('truncated');
  });

  it('passes every model-visible string through the masker', async () => {
    const secret = 'alice@example.com';
    const masked: string[] = [];
    const masker: Masker = {
      mask(text) {
        masked.push(text);
        return text.replaceAll(secret, '[EMAIL_1]');
      },
    };
    const runner = createRunner({ ...temp.config, masker, modelViewBytes: 1000 });
    const run = await runner.execute({
      code: `console.log('mail ${secret}');\nconsole.error({ to: '${secret}' });\nexport default () => { throw new Error('no mailbox for ${secret} ' + 'y'.repeat(400)); };`,
    });
    expect(run.error?.code).toBe('SANDBOX_RUNTIME_ERROR');
    expect(run.modelView).not.toContain(secret);
    expect(run.modelView).toContain('[EMAIL_1]');
    expect(masked.length).toBeGreaterThan(3);
    // The structured channels keep the program's own values; only the model view is curated.
    expect(run.logs[0]?.message).toContain(secret);
  });
});

describe('masking a long output', () => {
  it("prepares the output's long texts before masking them: the result, its model-view text and long log lines", async () => {
    const prepared: string[] = [];
    const masker: Masker = {
      mask: (text) => text,
      async prepare(texts) {
        prepared.push(...texts);
      },
    };
    const run = await createRunner({ ...temp.config, masker }).execute({
      code: "console.log('z'.repeat(70_000));\nconsole.log('short');\nexport default { rows: ['x'.repeat(80_000)], small: 'y' };",
    });
    expect(run.ok).toBe(true);
    const lengths = prepared.map((text) => text.length).sort((a, b) => a - b);
    // The long string itself (record), the long log message (record) and its model-view line, and the result's JSON text.
    expect(lengths[0]).toBe(70_000);
    expect(prepared).toContain('x'.repeat(80_000));
    expect(prepared).toContain(`[log] ${'z'.repeat(70_000)}`);
    expect(prepared.some((text) => text.startsWith('{\n  "rows"'))).toBe(true);
    expect(prepared.every((text) => text.length >= 64 * 1024)).toBe(true);
  });
});

describe('run records at rest', () => {
  it('mask output.json like the model view: the raw value stays only where the masker keeps it', async () => {
    const secret = 'ada.lovelace@analytical.example';
    const masker: Masker = { mask: (text) => text.split(secret).join('[EMAIL_1]') };
    const run = await createRunner({ ...temp.config, masker }).execute({
      code: "export default async (input: { email: string }) => { console.log('mail ' + input.email); return { [input.email]: input.email }; };",
      input: { email: secret },
    });
    expect(run.ok).toBe(true);
    const stored = readFileSync(run.workspace?.outputPath ?? '', 'utf8');
    expect(stored).not.toContain(secret);
    expect(JSON.parse(stored)).toMatchObject({ result: { '[EMAIL_1]': '[EMAIL_1]' }, logs: [{ message: 'mail [EMAIL_1]' }] });
    expect(readFileSync(path.join(run.workspace!.path, 'runs', run.workspace!.runId, 'run.json'), 'utf8')).not.toContain(secret);
  });
});
