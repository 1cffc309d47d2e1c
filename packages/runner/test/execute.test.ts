import type { Logger, RunContext } from '@magsag/core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, defaultLimits, toolCallTextChars, type ExecuteResult, type RunRecord } from '../src/index.ts';
import { tempRunnerConfig, testClient } from './helpers.ts';

const seen: RunContext[] = [];
const { client, close } = testClient([{ name: 'record-context', beforeCall: (call) => void seen.push(call.context) }]);
const temp = tempRunnerConfig();
const runner = createRunner({ ...temp.config, callTool: client.callTool.bind(client) });

afterAll(async () => {
  await close();
  temp.cleanup();
});

function ok(run: ExecuteResult): ExecuteResult {
  if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error)}\n${JSON.stringify(run.diagnostics)}`);
  return run;
}

describe('execute: results and logs', () => {
  it('returns the default export value, or what a default-exported (async) function returns', async () => {
    expect(ok(await runner.execute({ code: 'export default { a: 1, b: [true, null] };' })).result).toEqual({ a: 1, b: [true, null] });
    expect(ok(await runner.execute({ code: 'export default function () { return 42; }' })).result).toBe(42);
    expect(ok(await runner.execute({ code: 'export default async () => { await null; return "later"; };' })).result).toBe('later');
    const none = ok(await runner.execute({ code: 'const x = 1;' }));
    expect(none.result).toBeNull();
  });

  it('supports top-level await and hands `input` to the default function', async () => {
    const run = ok(
      await runner.execute({
        code: 'const base = await Promise.resolve(10);\nexport default async (input: { n: number }) => base + input.n;',
        input: { n: 5 },
      }),
    );
    expect(run.result).toBe(15);
  });

  it('captures console output with levels, in order', async () => {
    const run = ok(
      await runner.execute({
        code: "console.log('one', { a: 1 }, [1, 2]); console.info('two'); console.warn('three'); console.error(new Error('four')); console.debug(5n);",
      }),
    );
    expect(run.logs.map((l) => [l.level, l.message.split('\n')[0]])).toEqual([
      ['log', 'one {"a":1} [1,2]'],
      ['info', 'two'],
      ['warn', 'three'],
      ['error', 'Error: four'],
      ['debug', '5n'],
    ]);
  });

  it('maps a runtime error to the program line and column', async () => {
    const run = await runner.execute({
      code: 'type T = { a: number };\nconst t: T = { a: 1 };\n\nfunction fail(): never {\n  throw new TypeError(`bad ${t.a}`);\n}\nexport default () => fail();\n',
      filename: 'agent.ts',
    });
    expect(run.ok).toBe(false);
    expect(run.error?.code).toBe('SANDBOX_RUNTIME_ERROR');
    expect(run.error?.message).toContain('TypeError: bad 1');
    expect(run.error?.data?.['location']).toEqual({ file: 'agent.ts', line: 5, column: 9 });
    expect(run.error?.stack).toContain('agent.ts:5:9');
    expect(run.error?.stack).not.toContain('magsag:runtime');
  });

  it('reads the program from a file, named after it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'magsag-program-'));
    const file = path.join(dir, 'job.ts');
    writeFileSync(file, "import { echo } from './servers/everything/echo.ts';\nexport default (await echo({ message: 'from a file' }))[0];\n");
    const run = ok(await runner.execute({ file }));
    expect(run.result).toEqual({ type: 'text', text: 'Echo: from a file' });
  });

  it('runs plain JavaScript too', async () => {
    const run = ok(await runner.execute({ code: 'const xs = [3, 1, 2];\nexport default xs.sort();', filename: 'job.js' }));
    expect(run.result).toEqual([1, 2, 3]);
  });

  it('has no require, process, fetch or timers on the guest', async () => {
    const run = ok(
      await runner.execute({
        code: "export default ['require', 'process', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'WebAssembly', 'Buffer'].map((n) => typeof (globalThis as Record<string, unknown>)[n]);",
      }),
    );
    expect(new Set(run.result as string[])).toEqual(new Set(['undefined']));
  });
});

describe('execute: imports', () => {
  it('resolves ./servers/<id>/<tool>, ./servers/<id> and ./skills/<name>, with or without .ts', async () => {
    const run = ok(
      await runner.execute({
        code: [
          "import { echo } from './servers/everything/echo';",
          "import * as everything from './servers/everything/index.ts';",
          "import { shout } from './skills/shout';",
          "const a = await echo({ message: 'a' });",
          "const b = await everything.echo({ message: 'b' });",
          'export default { a: a[0], b: b[0], c: await shout("quiet") };',
        ].join('\n'),
      }),
    );
    expect(run.result).toEqual({ a: { type: 'text', text: 'Echo: a' }, b: { type: 'text', text: 'Echo: b' }, c: 'Echo: QUIET' });
  });

  it.each([
    ["import fs from 'node:fs';", 'node:fs'],
    ["import { callMCPTool } from '@magsag/mcp-client';", '@magsag/mcp-client'],
    ["import x from '../secrets';", '../secrets'],
    ["import x from './servers/../../etc/passwd';", './servers/../../etc/passwd'],
    ["const m = await import('zod');", 'zod'],
  ])('denies %s naming the specifier', async (code, specifier) => {
    const run = await runner.execute({ code: `${code}\nexport default 1;`, typecheck: false });
    expect(run.error?.code).toBe('SANDBOX_IMPORT_DENIED');
    expect(run.error?.message).toContain(`"${specifier}"`);
    expect(run.diagnostics[0]).toMatchObject({ file: 'program.ts', line: 1 });
  });

  it.each([
    ["import { nope } from './servers/everything/nope';", 'SANDBOX_IMPORT_NOT_FOUND', []],
    ["import { ecko } from './servers/everything/ecko';", 'SANDBOX_IMPORT_NOT_FOUND', ['./servers/everything/echo']],
    ["import { echo } from './servers/everythin/echo';", 'SANDBOX_IMPORT_NOT_FOUND', ['./servers/everything/echo']],
  ])('reports %s as not found, with the closest modules', async (code, expected, near) => {
    const run = await runner.execute({ code: `${code}\nexport default 1;`, typecheck: false });
    expect(run.error?.code).toBe(expected);
    expect(run.error?.data).toMatchObject({ near });
    if (near.length > 0) expect(run.error?.message).toContain(`Did you mean "${near[0]}"`);
    expect(run.diagnostics[0]).toMatchObject({ file: 'program.ts', line: 1 });
  });

  it('refuses declaration files and other non-modules under servers/ and skills/, typecheck on and off', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'magsag-nonmodules-'));
    try {
      const serversDir = path.join(root, 'servers');
      const skillsDir = path.join(root, 'skills');
      mkdirSync(path.join(serversDir, 'x'), { recursive: true });
      mkdirSync(skillsDir);
      writeFileSync(path.join(skillsDir, 'sandbox.d.ts'), 'declare const workspace: unknown;\n');
      writeFileSync(path.join(serversDir, 'x', 'types.d.ts'), 'export interface T { a: number }\n');
      writeFileSync(path.join(serversDir, 'x', 'data.json'), '{ "a": 1 }\n');
      const local = createRunner({ ...temp.config, serversDir, skillsDir });
      const cases = [
        ["import x from './skills/sandbox.d.ts';", './skills/sandbox.d.ts', 'declaration file'],
        ["import './skills/sandbox.d';", './skills/sandbox.d', 'declaration file'],
        ["import type { T } from './servers/x/types.d.ts';", './servers/x/types.d.ts', 'declaration file'],
        ["import data from './servers/x/data.json' with { type: 'json' };", './servers/x/data.json', '.json file is not a module'],
      ];
      for (const [line, specifier, reason] of cases) {
        for (const typecheck of [true, false]) {
          const run = await local.execute({ code: `${line}\nexport default 1;`, typecheck });
          expect(run.error?.code, `${line} typecheck ${typecheck}`).toBe('SANDBOX_IMPORT_DENIED');
          expect(run.error?.message).toContain(`"${specifier}"`);
          expect(run.error?.message).toContain(reason);
          expect(run.error?.message).not.toContain('Debug Failure');
          expect(run.diagnostics[0]).toMatchObject({ file: 'program.ts', line: 1 });
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('denies a computed require at run time', async () => {
    const run = await runner.execute({ code: "declare const require: (s: string) => unknown;\nconst name = 'f' + 's';\nexport default () => require(name);" });
    expect(run.error?.code).toBe('SANDBOX_IMPORT_DENIED');
    expect(run.error?.message).toContain('"fs"');
  });
});

describe('execute: tool calls', () => {
  it('lists a directory through the filesystem demo server, filters it in code and returns ten lines', async () => {
    const run = ok(
      await runner.execute({
        code: [
          "import { listDirectory } from './servers/filesystem/listDirectory';",
          "const listing = await listDirectory({ path: '" + path.join(temp.config.root ?? '', '.magsag', 'demo', 'files', 'notes') + "' });",
          "const lines = listing.flatMap((block) => (block.type === 'text' ? String(block.text).split('\\n') : []));",
          "const notes = lines.filter((line) => line.startsWith('[FILE]')).map((line) => line.slice(7)).sort().slice(0, 10);",
          "console.log(`${lines.length} entries, ${notes.length} kept`);",
          'export default notes;',
        ].join('\n'),
      }),
    );
    expect(run.result).toHaveLength(10);
    expect((run.result as string[]).every((name) => name.endsWith('.md'))).toBe(true);
    expect(run.metrics.toolCalls).toEqual([expect.objectContaining({ server: 'filesystem', tool: 'list_directory', ok: true })]);
    expect(run.modelView).toContain('Result:');
  });

  it('keeps each tool call\'s masked arguments and masked result in the run record, cut at toolCallTextChars', async () => {
    const masked = createRunner({ ...temp.config, masker: { mask: (text) => text.replaceAll('bob@example.com', '[EMAIL_1]') } });
    const long = 'x'.repeat(toolCallTextChars + 100);
    const run = ok(
      await masked.execute({
        code: `import { echo } from './servers/everything/echo';\nawait echo({ message: 'to bob@example.com' });\nawait echo({ message: '${long}' });`,
      }),
    );
    const [first, second] = run.metrics.toolCalls;
    expect(first).toEqual(expect.objectContaining({ server: 'everything', tool: 'echo', ok: true }));
    expect(first!.args).toBe('{"message":"to [EMAIL_1]"}');
    expect(first!.result).toContain('[EMAIL_1]');
    expect(first!.result).not.toContain('bob@example.com');
    expect(second!.args).toHaveLength(toolCallTextChars + 1);
    expect(second!.args!.endsWith('…')).toBe(true);
    const record = JSON.parse(readFileSync(path.join(run.workspace!.path, 'runs', run.runId, 'run.json'), 'utf8')) as RunRecord;
    expect(record.metrics?.['toolCalls']).toEqual(run.metrics.toolCalls);
    expect(JSON.stringify(record)).not.toContain('bob@example.com');
  });

  it('passes the run id and workspace id to every tool call', async () => {
    seen.length = 0;
    const run = ok(
      await runner.execute({
        code: "import { echo } from './servers/everything/echo';\nawait echo({ message: '1' });\nawait echo({ message: '2' });",
        context: { skill: 'demo' },
      }),
    );
    expect(seen).toEqual([
      { skill: 'demo', runId: run.runId, workspaceId: run.workspace?.id },
      { skill: 'demo', runId: run.runId, workspaceId: run.workspace?.id },
    ]);
  });

  it('makes 200 sequential tool calls in one run without leaking an abort listener per call', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const code = "import { echo } from './servers/everything/echo';\nlet n = 0;\nfor (let i = 0; i < 200; i++) { await echo({ message: String(i) }); n++; }\nexport default n;";
      for (const isolation of ['process', 'inline'] as const) {
        expect(ok(await runner.execute({ code, isolation, typecheck: false, signal: new AbortController().signal })).result).toBe(200);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('turns a failing tool call into a typed error the program can catch', async () => {
    const run = await runner.execute({
      code: "import { echo } from './servers/everything/echo';\nexport default async () => { try { await echo({ message: 42 as unknown as string }); } catch (e) { return (e as { code: string }).code; } };",
    });
    expect(run.result).toBe('TOOL_INPUT_INVALID');
    const uncaught = await runner.execute({ code: "import { echo } from './servers/everything/echo';\nawait echo({} as { message: string });" });
    expect(uncaught.error?.code).toBe('TOOL_INPUT_INVALID');
  });
});

describe('execute: limits and cancellation', () => {
  it('merges limits: defaults, runner config, then the call', async () => {
    const custom = createRunner({ ...temp.config, limits: { memoryMb: 64, cpuMs: 2000 } });
    const run = ok(await custom.execute({ code: 'export default 1;', limits: { cpuMs: 1000 } }));
    expect(run.limits).toEqual({ ...defaultLimits, memoryMb: 64, cpuMs: 1000 });
    const bad = await custom.execute({ code: 'export default 1;', limits: { wallMs: -1 } });
    expect(bad.error?.code).toBe('USAGE');
  });

  it('ends a run on AbortSignal with SANDBOX_CANCELLED, and the next run works', async () => {
    const controller = new AbortController();
    const pending = runner.execute({ code: 'export default await new Promise(() => {});', signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const run = await pending;
    expect(run.error?.code).toBe('SANDBOX_CANCELLED');
    const before = new AbortController();
    before.abort();
    expect((await runner.execute({ code: 'export default 1;', signal: before.signal })).error?.code).toBe('SANDBOX_CANCELLED');
    expect(ok(await runner.execute({ code: 'export default 2;' })).result).toBe(2);
  });
});

describe('execute: host details in errors', () => {
  const records: { level: string; obj: object }[] = [];
  const logger: Logger = {
    debug: (obj) => void records.push({ level: 'debug', obj }),
    info: (obj) => void records.push({ level: 'info', obj }),
    warn: (obj) => void records.push({ level: 'warn', obj }),
    error: (obj) => void records.push({ level: 'error', obj }),
    child: () => logger,
  };

  it('names project files relative to the root and hides other host paths, keeping them for the debug log', async () => {
    const root = temp.config.root ?? '';
    const missing = await createRunner(temp.config).execute({ file: path.join(root, 'examples', 'nope.ts') });
    expect(missing.error?.message).toBe('Program file examples/nope.ts does not exist.');
    expect(missing.modelView).not.toContain(root);

    // A state folder that is a file: the workspace cannot be created (an INTERNAL error from Node).
    const dir = mkdtempSync(path.join(tmpdir(), 'magsag-redact-'));
    try {
      const stateFile = path.join(dir, 'state');
      writeFileSync(stateFile, '');
      records.length = 0;
      const run = await createRunner({ ...temp.config, stateDir: stateFile }).execute({ code: 'export default 1;', logger });
      expect(run.ok).toBe(false);
      const shown = JSON.stringify({ error: run.error, modelView: run.modelView });
      expect(shown).not.toContain(dir);
      expect(shown).not.toContain(tmpdir());
      const logged = (level: string): string => JSON.stringify(records.filter((r) => r.level === level).map((r) => r.obj));
      expect(logged('error')).not.toContain(dir);
      expect(logged('debug')).toContain(stateFile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
