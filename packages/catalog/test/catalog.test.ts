import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMagsagError } from '@magsag/core';
import { findSkill, parseSkillFile, prepareSkillRun, saveSkill, scaffoldSkill, validateCatalog } from '@magsag/catalog';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'magsag-catalog-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A project root of its own: the repo's generated servers and tsconfig, with skills we write. */
function project(name: string): { root: string; skillsDir: string } {
  const root = path.join(scratch, name);
  mkdirSync(path.join(root, 'skills'), { recursive: true });
  cpSync(path.join(repoRoot, 'servers'), path.join(root, 'servers'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: name, private: true, type: 'module' }));
  writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ extends: path.join(repoRoot, 'tsconfig.base.json'), compilerOptions: { noEmit: true, allowImportingTsExtensions: true, typeRoots: [path.join(repoRoot, 'node_modules/@types')] }, include: ['skills'] }),
  );
  return { root, skillsDir: path.join(root, 'skills') };
}

const goodMeta = (name: string, extra = ''): string =>
  `---\nname: ${name}\ndescription: A test skill that echoes its message.\nversion: 1.0.0\nservers:\n  - { server: everything, tool: echo }\ninputs:\n  type: object\n  required: [message]\n  properties:\n    message: { type: string }\noutputs: { type: object }\nexamples:\n  - { title: hello, input: { message: hi } }\n${extra}---\n\n# ${name}\n\nRun it: \`pnpm magsag run ${name} --example 0\`.\n`;

describe('SKILL.md', () => {
  it('names the file and each bad field', () => {
    const file = '/x/skills/bad/SKILL.md';
    try {
      parseSkillFile('---\nname: Bad Name\nversion: one\ninputs: { type: string }\noutputs: { type: object }\ncolour: red\n---\n', file);
      throw new Error('expected SKILL_INVALID');
    } catch (error) {
      expect(isMagsagError(error, 'SKILL_INVALID')).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(file);
      for (const field of ['"name"', '"description"', '"version"', '"inputs"', '"colour": unknown field']) expect(message).toContain(field);
    }
    expect(() => parseSkillFile('# no frontmatter', file)).toThrow(/no frontmatter/);
  });
});

describe('validateCatalog', () => {
  it('passes on the repository\'s own skills', () => {
    const result = validateCatalog({ root: repoRoot });
    expect(result.diagnostics).toEqual([]);
    expect(result.skills).toBeGreaterThanOrEqual(1);
  });

  it('reports unknown tools, forbidden imports, type errors and examples that fail the schema', () => {
    const { root, skillsDir } = project('broken');
    mkdirSync(path.join(skillsDir, 'broken'));
    writeFileSync(
      path.join(skillsDir, 'broken', 'SKILL.md'),
      goodMeta('broken').replace('tool: echo }', 'tool: echo }\n  - { server: everything, tool: no_such_tool }\n  - { server: nowhere, tool: x }').replace('input: { message: hi }', 'input: { message: 42 }'),
    );
    writeFileSync(
      path.join(skillsDir, 'broken', 'index.ts'),
      "import { readFileSync } from 'node:fs';\nimport { echo } from '../../servers/everything/echo.ts';\nexport default async function run(input: { message: string }): Promise<unknown> {\n  void readFileSync;\n  const wrong: number = input.message;\n  return { wrong, said: await echo({ message: input.message }) };\n}\n",
    );
    const { ok, diagnostics } = validateCatalog({ root });
    expect(ok).toBe(false);
    const text = diagnostics.map((d) => `${d.field ?? ''} ${d.message}`).join('\n');
    expect(text).toContain('servers[1].tool server "everything" has no tool "no_such_tool"');
    expect(text).toContain('servers[2].server server "nowhere" has no generated modules');
    expect(text).toContain('examples[0].input example "hello" fails the input schema: /message: must be string');
    expect(text).toContain('imports "node:fs"');
    expect(diagnostics.filter((d) => d.file.includes('index.ts:')).map((d) => d.message).join('\n'), JSON.stringify(diagnostics)).toMatch(/not assignable to type 'number'/);
  });

  it('a scaffolded skill is valid as created, and so is a program saved as a skill', () => {
    const { root, skillsDir } = project('scaffold');
    scaffoldSkill(skillsDir, 'weekly-report');
    const program = path.join(scratch, 'program.ts');
    writeFileSync(program, "import { echo } from './servers/everything/echo';\nconst said = await echo({ message: 'hi' });\nexport default { said };\n");
    const saved = saveSkill({ root, skillsDir, serversDir: path.join(root, 'servers'), name: 'echo-once', description: 'Echo once through the everything server.', code: readFileSync(program, 'utf8') });
    expect(saved.servers).toEqual([{ server: 'everything', tool: 'echo' }]);
    expect(readFileSync(path.join(skillsDir, 'echo-once', 'index.ts'), 'utf8')).toContain("from '../../servers/everything/echo.ts'");
    const result = validateCatalog({ root });
    expect(result.diagnostics).toEqual([]);
    expect(result.skills).toBe(2);
    expect(() => scaffoldSkill(skillsDir, 'weekly-report')).toThrow(/already exists/);
    expect(() => scaffoldSkill(skillsDir, 'Not_Kebab')).toThrow(/kebab-case/);
  });

  it('saveSkill: a default export that takes the input, typed from the schema, with examples', () => {
    const { root, skillsDir } = project('save');
    const serversDir = path.join(root, 'servers');
    const code = "import { echo } from './servers/everything/echo';\nexport default async (input) => ({ said: await echo({ message: input.message }), times: input.times ?? 1 });\n";
    const inputSchema = { type: 'object', required: ['message'], additionalProperties: false, properties: { message: { type: 'string', description: 'What to say.' }, times: { type: 'integer' } } };
    const saved = saveSkill({ root, skillsDir, serversDir, name: 'say-it', description: 'Say a message through the everything server.', code, inputSchema, examples: [{ input: { message: 'hi' }, description: 'Say hi' }] });
    expect(saved.servers).toEqual([{ server: 'everything', tool: 'echo' }]);
    const source = readFileSync(path.join(skillsDir, 'say-it', 'index.ts'), 'utf8');
    expect(source).toContain("from '../../servers/everything/echo.ts'");
    expect(source).toContain('async (input: { message: string; times?: number }) =>');
    const skill = findSkill(skillsDir, 'say-it');
    expect(skill.meta).toMatchObject({ inputs: inputSchema, examples: [{ title: 'Say hi', input: { message: 'hi' } }], servers: [{ server: 'everything', tool: 'echo' }] });
    expect(validateCatalog({ root }).diagnostics).toEqual([]);

    // Taken names are refused unless overwrite is set; every reason of a bad skill is named, and nothing is left behind.
    expect(() => saveSkill({ root, skillsDir, serversDir, name: 'say-it', description: 'Say a message again, differently.', code })).toThrow(expect.objectContaining({ code: 'SKILL_EXISTS' }));
    let refused: unknown;
    try {
      saveSkill({ root, skillsDir, serversDir, name: 'bad-one', description: 'short', code: "import { nope } from './servers/everything/nope';\nexport default async (input: { n: number }) => { const s: string = input.n; return { s, nope }; };\n", inputSchema: { type: 'object', properties: { n: { type: 'number' } } }, examples: [{ input: { n: 'x' } }] });
    } catch (error) {
      refused = error;
    }
    expect(isMagsagError(refused) && refused.code).toBe('SKILL_INVALID');
    expect((refused as Error).message).toMatch(/description/);
    expect(readdirSync(skillsDir).sort()).toEqual(['say-it']);
    try {
      saveSkill({ root, skillsDir, serversDir, name: 'bad-two', description: 'A skill with problems in code and examples.', code: "import { nope } from './servers/everything/nope';\nexport default async (input: { n: number }) => { const s: string = input.n; return { s, nope }; };\n", inputSchema: { type: 'object', properties: { n: { type: 'number' } } }, examples: [{ input: { n: 'x' } }] });
    } catch (error) {
      refused = error;
    }
    const message = (refused as Error).message;
    expect(message).toContain('examples[0].input');
    expect(message).toContain('bad-two/index.ts');
    expect(message).toMatch(/not assignable to type 'string'/);
    expect(message).toMatch(/does not exist/);
    expect(message).not.toContain('.saving');
    expect(readdirSync(skillsDir).sort()).toEqual(['say-it']);
    // With no default export, the other reasons are still listed.
    expect(() => saveSkill({ root, skillsDir, serversDir, name: 'no-export', description: 'Has no default export at all.', code: 'const x: string = 1;\n' })).toThrow(/no default export[\s\S]*no-export\/index\.ts:1:\d+: Type 'number' is not assignable/);
    const replaced = saveSkill({ root, skillsDir, serversDir, name: 'say-it', description: 'Say a message, replaced.', code: 'export default async () => 1;\n', overwrite: true });
    expect(replaced.servers).toEqual([]);
    expect(findSkill(skillsDir, 'say-it').meta.description).toBe('Say a message, replaced.');
    expect(readdirSync(skillsDir).sort()).toEqual(['say-it']);
  });
});

describe('running a skill', () => {
  it('validates input against the schema before anything runs', () => {
    const skill = findSkill(path.join(repoRoot, 'skills'), 'obsidian-note-append');
    expect(() => prepareSkillRun(skill, { path: 'x.txt' })).toThrow(/must have required property 'content'[\s\S]*must match pattern/);
    expect(prepareSkillRun(skill, { path: 'a.md', content: 'x' })).toMatchObject({ code: expect.stringContaining("from './skills/obsidian-note-append'"), limits: { wallMs: 20000 } });
    expect(() => findSkill(path.join(repoRoot, 'skills'), 'nope')).toThrow(/Known skills: .*obsidian-note-append/);
  });
});

describe('the raw call path', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
      .map((f) => path.join(dir, f));

  it('skills, the catalog and the CLI never call MCP tools directly: only generated modules do', () => {
    for (const file of [...sources(path.join(repoRoot, 'skills')), ...sources(path.join(repoRoot, 'packages/catalog/src'))]) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from '@magsag\/mcp-client'|callMCPTool|\.callTool\(/);
    }
    for (const file of sources(path.join(repoRoot, 'packages/cli/src'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toContain('callMCPTool');
      // The CLI touches callTool in two places: handing it to the runner as the sandbox's bridge, and
      // `magsag call`, the one-shot call a person makes on purpose (its result masked like the rest).
      const allowed = [path.join('commands', 'exec.ts'), path.join('commands', 'call.ts')];
      if (!allowed.some((name) => file.endsWith(name))) expect(text, file).not.toMatch(/\.callTool\(/);
    }
  });
});

describe('skills/sandbox.d.ts', () => {
  it('declares the same workspace API the runner gives the sandbox', async () => {
    const { workspaceTypes } = await import('@magsag/runner');
    expect(readFileSync(path.join(repoRoot, 'skills', 'sandbox.d.ts'), 'utf8')).toContain(workspaceTypes);
  });
});
