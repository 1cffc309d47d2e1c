// The web globals of the sandbox (URL, text encoding, base64, structuredClone, crypto): a program
// using each runs in the real sandbox and type-checks with the runner's checker; network stays out.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, createTypeChecker, sandboxDeclarations, sandboxGlobals } from '../src/index.ts';
import { fixturesDir, tempRunnerConfig } from './helpers.ts';

const temp = tempRunnerConfig();
const runner = createRunner({ ...temp.config, limits: { cpuMs: 2000, wallMs: 10_000 } });
const checker = createTypeChecker({ serversDir: path.join(fixturesDir, 'servers'), skillsDir: path.join(fixturesDir, 'skills') });
afterAll(() => temp.cleanup());

const everyGlobal = `
const url = new URL('/search?q=caf%C3%A9&page=2#top', 'https://user:pw@example.com:8080/a/b');
url.searchParams.append('tag', 'a b&c');
const params = new URLSearchParams({ x: '1', y: 'two' });
params.set('x', '3');
const idn = new URL('https://mañana.example/');

const bytes = new TextEncoder().encode('héllo, 世界 🙂');
const decoded = new TextDecoder().decode(bytes);
const offsetView = new DataView(bytes.buffer, 1, 4);

const clone = structuredClone({ when: new Date(0), map: new Map([['k', { deep: [1, 2, new Set(['s'])] }]]) });

const ids = Array.from({ length: 100 }, () => crypto.randomUUID());
const filled = crypto.getRandomValues(new Uint32Array(16));
const max = crypto.getRandomValues(new Uint8Array(65536));
let quota = '';
try {
  crypto.getRandomValues(new Uint8Array(65537));
} catch (error) {
  quota = error instanceof DOMException ? error.name : 'not a DOMException';
}
let floats = '';
try {
  crypto.getRandomValues(new Float64Array(2) as unknown as Uint8Array);
} catch (error) {
  floats = (error as Error).name;
}

export default {
  href: url.href,
  origin: url.origin,
  port: url.port,
  q: url.searchParams.get('q'),
  tags: url.searchParams.getAll('tag'),
  search: url.search,
  params: params.toString(),
  size: params.size,
  entries: [...params],
  canParse: [URL.canParse('not a url'), URL.canParse('mailto:a@b.c')],
  idn: idn.hostname,
  byteLength: bytes.length,
  roundTrip: decoded,
  offsetView: new TextDecoder().decode(offsetView),
  bom: new TextDecoder('utf8').decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
  empty: new TextDecoder().decode(),
  base64: btoa('hello\\u00ff'),
  unbase64: atob('aGVsbG//'),
  cloneIsCopy: clone.map.get('k')?.deep[2] instanceof Set && clone.when instanceof Date && clone.when.getTime() === 0,
  uuidFormat: ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
  uuidUnique: new Set(ids).size,
  filled: filled.some((n) => n !== 0) && filled.length === 16,
  maxFilled: max.some((n) => n !== 0),
  quota,
  floats,
};
`;

describe('web globals', () => {
  it('type-checks a program using every web global', () => {
    expect(checker.check(everyGlobal, 'globals.ts')).toEqual([]);
  });

  it('runs it in the sandbox with results as the Web platform gives them', async () => {
    const run = await runner.execute({ code: everyGlobal });
    expect(run.error).toBeNull();
    expect(run.result).toEqual({
      href: 'https://user:pw@example.com:8080/search?q=caf%C3%A9&page=2&tag=a+b%26c#top',
      origin: 'https://example.com:8080',
      port: '8080',
      q: 'café',
      tags: ['a b&c'],
      search: '?q=caf%C3%A9&page=2&tag=a+b%26c',
      params: 'x=3&y=two',
      size: 2,
      entries: [
        ['x', '3'],
        ['y', 'two'],
      ],
      canParse: [false, true],
      idn: 'xn--maana-pta.example',
      byteLength: 19,
      roundTrip: 'héllo, 世界 🙂',
      offsetView: 'éll',
      bom: 'A',
      empty: '',
      base64: 'aGVsbG//',
      unbase64: 'hello\u00ff',
      cloneIsCopy: true,
      uuidFormat: true,
      uuidUnique: 100,
      filled: true,
      maxFilled: true,
      quota: 'QuotaExceededError',
      floats: 'TypeMismatchError',
    });
  });

  it('refuses invalid base64 and uncloneable values with DOMExceptions', async () => {
    const run = await runner.execute({
      code: `
const names: string[] = [];
for (const f of [() => atob('*'), () => btoa('€'), () => structuredClone(() => 1)]) {
  try { f(); } catch (error) { names.push(error instanceof DOMException ? error.name : String(error)); }
}
export default names;`,
    });
    expect(run.result).toEqual(['InvalidCharacterError', 'InvalidCharacterError', 'DataCloneError']);
  });

  it('clones cycles, regular expressions, errors and typed arrays', async () => {
    const run = await runner.execute({
      code: `
const node: { self?: unknown; re: RegExp; error: Error; bytes: Uint16Array } = { re: /a+/gi, error: new RangeError('no'), bytes: new Uint16Array([1, 65535]) };
node.self = node;
const copy = structuredClone(node);
export default [copy !== node, copy.self === copy, copy.re.source + copy.re.flags, copy.error instanceof RangeError && copy.error.message, [...copy.bytes]];`,
    });
    expect(run.result).toEqual([true, true, 'a+gi', 'no', [1, 65535]]);
  });

  it('keeps the network out: fetch and timers are neither declared nor defined', async () => {
    const code = "const response = await fetch('https://example.com');\nexport default response.status;";
    expect(checker.check(code, 'fetch.ts')).toContainEqual(expect.objectContaining({ tsCode: 2304, message: "Cannot find name 'fetch'." }));
    const typed = await runner.execute({ code });
    expect(typed.error?.code).toBe('SANDBOX_TYPECHECK');
    const untyped = await runner.execute({ code, typecheck: false });
    expect(untyped.error?.code).toBe('SANDBOX_RUNTIME_ERROR');
    expect(untyped.error?.message).toContain('fetch is not defined');
    const globals = await runner.execute({
      code: "export default ['fetch', 'XMLHttpRequest', 'WebSocket', 'setTimeout', 'setInterval', 'queueMicrotask', 'process', 'require'].map((name) => typeof (globalThis as Record<string, unknown>)[name]);",
      typecheck: false,
    });
    expect(globals.result).toEqual(Array.from({ length: 8 }, () => 'undefined'));
  });

  it('installs the web globals on first use only, and lets a program replace them', async () => {
    const run = await runner.execute({
      code: `
const before = Object.getOwnPropertyDescriptor(globalThis, 'URL')?.get !== undefined;
(globalThis as Record<string, unknown>).atob = 'mine';
const after = Object.getOwnPropertyDescriptor(globalThis, 'URL');
export default { before, afterIsValue: typeof after?.value, atob: (globalThis as Record<string, unknown>).atob, enumerable: Object.keys(globalThis) };`,
      typecheck: false,
    });
    expect(run.result).toEqual({ before: true, afterIsValue: 'function', atob: 'mine', enumerable: [] });
  });
});

describe('the list serve tells a model', () => {
  it('names exactly what a program finds: each present global exists and is declared, each absent one is neither', async () => {
    const probe = `export default { present: ${JSON.stringify(sandboxGlobals.present)}.filter((n) => typeof (globalThis as Record<string, unknown>)[n] !== 'undefined'), absent: ${JSON.stringify(sandboxGlobals.absent)}.filter((n) => typeof (globalThis as Record<string, unknown>)[n] !== 'undefined') };`;
    const run = await runner.execute({ code: probe });
    expect(run.error).toBeNull();
    expect(run.result).toEqual({ present: [...sandboxGlobals.present], absent: [] });
    const declarations = sandboxDeclarations();
    for (const name of sandboxGlobals.present) expect(declarations, name).toMatch(new RegExp(`(var|function|class) ${name}\\b`));
    for (const name of sandboxGlobals.absent) expect(declarations, name).not.toMatch(new RegExp(`(var|function|class) ${name}\\b`));
  });
});
