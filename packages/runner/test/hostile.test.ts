// Hostile programs: each must fail with a clear typed error, and the next run must work.
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRunner, type ExecuteOptions, type ExecuteResult } from '../src/index.ts';
import { tempRunnerConfig, testClient } from './helpers.ts';

const { client, close } = testClient();
const temp = tempRunnerConfig();
const runner = createRunner({
  ...temp.config,
  callTool: client.callTool.bind(client),
  typecheck: false,
  limits: { memoryMb: 32, cpuMs: 1000, wallMs: 5000 },
});

afterAll(async () => {
  await close();
  temp.cleanup();
});

afterEach(async () => {
  // The host is intact: its globals are untouched and a plain run still works.
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(typeof process.pid).toBe('number');
  const next = await runner.execute({ code: 'export default [1, 2, 3].map((n) => n * 2);' });
  expect(next.error).toBeNull();
  expect(next.result).toEqual([2, 4, 6]);
});

async function fails(code: string, expected: string | string[], options: Partial<ExecuteOptions> = {}): Promise<ExecuteResult> {
  const run = await runner.execute({ code, ...options });
  expect(run.ok).toBe(false);
  expect([expected].flat(), JSON.stringify(run.error).slice(0, 400)).toContain(run.error?.code);
  expect(run.error?.message.length).toBeGreaterThan(20);
  expect(run.modelView).toContain(String(run.error?.code));
  return run;
}

const quick = { limits: { cpuMs: 300 } };

describe('hostile programs', () => {
  it('cannot reach process or require through constructor chains', async () => {
    const run = await runner.execute({
      code: `
        const probes = [
          () => (this as any)?.constructor?.constructor('return typeof process')(),
          () => ({}).constructor.constructor('return typeof process')(),
          () => console.log.constructor('return typeof require')(),
          () => (async () => {}).constructor('return typeof process')(),
          () => workspace.read.constructor('return typeof require')(),
          () => Object.getPrototypeOf(function* () {}).constructor('return typeof process')().next().value,
          () => Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith('__magsag')).length,
          () => { try { null.x; } catch (e) { return (e as any).constructor.constructor('return typeof process')(); } },
        ];
        export default await Promise.all(probes.map(async (p) => { try { return await p(); } catch (e) { return 'threw'; } }));
      `,
    });
    expect(run.error).toBeNull();
    expect(run.result).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 0, 'undefined']);
  });

  it('cannot pollute prototypes beyond its own isolate', async () => {
    const run = await runner.execute({
      code: `
        (Object.prototype as any).polluted = 'yes';
        (Array.prototype as any).push = () => { throw new Error('hijacked'); };
        JSON.stringify = () => 'forged';
        JSON.parse = () => ({ forged: true });
        export default { seen: ({} as any).polluted };
      `,
    });
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ seen: 'yes' });
    const fresh = await runner.execute({ code: 'export default [({} as any).polluted, typeof JSON.stringify({ a: 1 })];' });
    expect(fresh.result).toEqual([null, 'string']);
  });

  it('cannot take over the module loader or the tool shim by replacing intrinsics', async () => {
    // The program replaces what a loader would call, then makes the loader work (a dynamic import)
    // and a tool call: its replacements must never see a module's require or a raw reply.
    const run = await runner.execute({
      code: [
        'const seen: string[] = [];',
        'const realApply = Reflect.apply;',
        'const spy = (name: string) => function (this: unknown, ...args: unknown[]) {',
        '  for (const a of args) if (typeof a === "function" || (a && typeof a === "object")) seen.push(name);',
        '  return undefined;',
        '};',
        'Function.prototype.call = spy("call") as never;',
        'Function.prototype.apply = spy("apply") as never;',
        'Map.prototype.get = spy("Map.get") as never;',
        'Map.prototype.set = spy("Map.set") as never;',
        'Map.prototype.has = spy("Map.has") as never;',
        'WeakMap.prototype.get = spy("WeakMap.get") as never;',
        'Object.prototype.hasOwnProperty = () => true;',
        '(Object.prototype as Record<string, unknown>)["@magsag/mcp-client"] = "/servers/everything/echo.ts";',
        'JSON.parse = (() => ({ forged: true })) as never;',
        'String.prototype.slice = function () { return "Rforged"; } as never;',
        'String.prototype.charAt = function () { return "R"; } as never;',
        "const { echo } = await import('./servers/everything/echo');",
        "const reply = await echo({ message: 'still mine' });",
        'let denied = "";',
        'try { (require as unknown as (s: string) => unknown)("@magsag/mcp-client"); } catch (e) { denied = String((e as { code?: string }).code); }',
        'void realApply;',
        'export default { reply, seen: seen.length, denied };',
      ].join('\n'),
    });
    expect(run.error).toBeNull();
    const result = run.result as { reply: unknown; seen: number; denied: string };
    expect(JSON.stringify(result.reply)).toContain('still mine');
    expect(result.seen).toBe(0);
    expect(result.denied).toBe('SANDBOX_IMPORT_DENIED');
  });

  it('stops an infinite loop at the CPU limit, and an idle one at the wall clock', async () => {
    const cpu = await fails('for (;;) {}', 'SANDBOX_CPU_LIMIT');
    expect(cpu.error?.data).toMatchObject({ limit: 'cpuMs', value: 1000 });
    const wall = await fails('export default () => { while (true) {} };', 'SANDBOX_TIMEOUT', { limits: { cpuMs: 60_000, wallMs: 400 } });
    expect(wall.error?.data).toMatchObject({ limit: 'wallMs', value: 400 });
  });

  it('counts host time spent in its workspace calls against the CPU limit', async () => {
    const run = await fails("for (;;) { await workspace.write('f.txt', 'x'.repeat(2e5)); await workspace.read('f.txt'); }", 'SANDBOX_CPU_LIMIT', {
      limits: { cpuMs: 300, wallMs: 60_000 },
    });
    expect((run.error?.data as { hostMs?: number }).hostMs).toBeGreaterThan(0);
  });

  it('counts host time spent making random bytes against the CPU limit', async () => {
    const run = await fails('const a = new Uint8Array(65536);\nfor (;;) crypto.getRandomValues(a);', 'SANDBOX_CPU_LIMIT', { limits: { cpuMs: 300, wallMs: 60_000 } });
    expect((run.error?.data as { hostMs?: number }).hostMs).toBeGreaterThan(0);
  });

  it('cannot turn the web globals or crypto into a door to the host', async () => {
    const run = await runner.execute({
      code: `
const fake = { length: 1e9, byteLength: 1e9, buffer: new ArrayBuffer(8), byteOffset: 0, [Symbol.toStringTag]: 'Uint8Array' };
const attempts: string[] = [];
for (const attempt of [
  () => crypto.getRandomValues(fake as never),
  () => crypto.getRandomValues(new Uint8Array(new ArrayBuffer(70000))),
  () => (crypto.getRandomValues.constructor as FunctionConstructor)('return typeof process')(),
  () => (URL.constructor as FunctionConstructor)('return typeof require')(),
  () => structuredClone({ get x() { return Object.getPrototypeOf(globalThis); } }),
]) {
  try { attempts.push(String(attempt())); } catch (error) { attempts.push((error as Error).name); }
}
(Object.prototype as Record<string, unknown>).polluted = 1;
(URL.prototype as unknown as Record<string, unknown>).polluted = 1;
Object.defineProperty(Uint8Array.prototype, 'length', { value: 1e9 });
const uuid = crypto.randomUUID();
export default { attempts, uuid: uuid.length };`,
    });
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ attempts: ['TypeMismatchError', 'QuotaExceededError', 'undefined', 'undefined', '[object Object]'], uuid: 36 });
  });

  it('ends synchronous and asynchronous memory bombs at the memory limit', async () => {
    const roomy = { limits: { cpuMs: 10_000 } };
    const sync = await fails('const a: number[][] = []; for (;;) a.push(new Array(1e5).fill(0));', 'SANDBOX_MEMORY_LIMIT', roomy);
    expect(sync.error?.data).toMatchObject({ limit: 'memoryMb', value: 32 });
    await fails('const a: string[] = []; for (;;) { a.push("x".repeat(1e5) + a.length); await null; }', 'SANDBOX_MEMORY_LIMIT', roomy);
  });

  it('survives an allocation V8 itself aborts on (the sandbox process dies, the host does not)', async () => {
    // The CPU time it takes to fill a heap depends on the machine and its load, and a running
    // isolate's heap cannot be read: a memory bomb gets the CPU to reach its memory limit on a
    // machine with six busy neighbours (pnpm verify:loaded).
    await fails('const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });', 'SANDBOX_MEMORY_LIMIT', { limits: { cpuMs: 10_000 } });
  });

  it('reports deep recursion as a runtime error', async () => {
    const run = await fails('const f = (n: number): number => f(n + 1) + 1;\nexport default () => f(0);', 'SANDBOX_RUNTIME_ERROR');
    expect(run.error?.message).toContain('Maximum call stack size exceeded');
  });

  it('refuses huge strings returned or logged, and floods of log lines', async () => {
    const returned = await fails("export default 'x'.repeat(3e6);", 'SANDBOX_OUTPUT_LIMIT');
    expect(returned.error?.data).toMatchObject({ limit: 'maxOutputBytes', value: 1024 * 1024 });
    const logged = await fails("console.log('x'.repeat(3e6));", 'SANDBOX_OUTPUT_LIMIT');
    expect(logged.logs.reduce((n, l) => n + l.message.length, 0)).toBeLessThanOrEqual(1024 * 1024);
    const flood = await fails("for (;;) console.log('');", 'SANDBOX_OUTPUT_LIMIT');
    expect(flood.error?.data).toMatchObject({ limit: 'maxLogEntries' });
  });

  it('survives a flood of pending promises', async () => {
    await fails('for (;;) new Promise(() => {});', ['SANDBOX_CPU_LIMIT', 'SANDBOX_MEMORY_LIMIT']);
  });

  it('stops a flood of tool calls at maxToolCalls', async () => {
    const run = await fails(
      "import { echo } from './servers/everything/echo';\nfor (let i = 0; i < 100000; i++) void echo({ message: String(i) }).catch(() => {});\nawait new Promise(() => {});",
      'SANDBOX_TOOL_CALL_LIMIT',
      { limits: { maxToolCalls: 50 } },
    );
    expect(run.error?.data).toMatchObject({ limit: 'maxToolCalls', value: 50 });
    expect(run.metrics.toolCallCount).toBe(50);
  });

  it('ends a promise that never settles at the wall clock', async () => {
    await fails('export default await new Promise(() => {});', 'SANDBOX_TIMEOUT', { limits: { wallMs: 300 } });
  });

  it('stops getters and toJSON that never return', async () => {
    await fails('export default { toJSON() { for (;;) {} } };', 'SANDBOX_CPU_LIMIT', quick);
    await fails("const e = new Error('x');\nObject.defineProperty(e, 'message', { get() { for (;;) {} } });\nthrow e;", 'SANDBOX_CPU_LIMIT', quick);
    await fails('throw new Proxy({}, { get() { for (;;) {} } });', 'SANDBOX_CPU_LIMIT', quick);
    await fails("(Error as any).prepareStackTrace = () => { for (;;) {} };\nthrow new Error('x');", 'SANDBOX_CPU_LIMIT', quick);
    await fails('export default { get then() { for (;;) {} } };', 'SANDBOX_CPU_LIMIT', quick);
  });

  it('cannot read /etc/passwd through the workspace API with .. or an absolute path', async () => {
    for (const p of ['../../../../../../../../etc/passwd', '/etc/passwd', 'a/../../etc/passwd', 'a\\..\\..\\etc\\passwd']) {
      const run = await fails(`export default await workspace.read(${JSON.stringify(p)});`, 'WORKSPACE_PATH_DENIED');
      expect(JSON.stringify(run)).not.toContain('root:x:0');
    }
  });

  it('cannot follow a symlink planted in the workspace', async () => {
    const first = await runner.execute({ code: "await workspace.write('ok.txt', 'fine');" });
    const files = first.workspace?.filesPath ?? '';
    symlinkSync('/etc/passwd', path.join(files, 'passwd'));
    symlinkSync('/etc', path.join(files, 'etc'));
    mkdirSync(path.join(files, 'sub'));
    symlinkSync('/etc', path.join(files, 'sub', 'up'));
    const id = first.workspace?.id ?? '';
    for (const code of [
      "export default await workspace.read('passwd');",
      "export default await workspace.read('etc/passwd');",
      "export default await workspace.read('sub/up/passwd');",
      "await workspace.write('passwd', 'x');",
      "export default await workspace.list('etc');",
      "await workspace.remove('etc/passwd');",
    ]) {
      const run = await fails(code, 'WORKSPACE_PATH_DENIED', { workspace: id });
      expect(JSON.stringify(run)).not.toContain('root:x:0');
    }
  });

  it('refuses a tool result that is huge or deeply nested', async () => {
    const huge = await fails("import { big } from './servers/probe/big';\nexport default (await big({ bytes: 3_000_000 })).length;", 'SANDBOX_TOOL_CALL_LIMIT', {
      limits: { maxToolBytes: 1_000_000 },
    });
    expect(huge.error?.data).toMatchObject({ limit: 'maxToolBytes', value: 1_000_000 });
    const deep = await fails("import { deep } from './servers/probe/deep';\nexport default await deep({ depth: 2000 });", 'SANDBOX_TOOL_CALL_LIMIT');
    expect(deep.error?.data).toMatchObject({ limit: 'toolResultDepth' });
  });

  it('has no WebAssembly, SharedArrayBuffer or Atomics to escape the limits with', async () => {
    const run = await runner.execute({ code: "export default [typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics];" });
    expect(run.result).toEqual(['undefined', 'undefined', 'undefined']);
  });
});
