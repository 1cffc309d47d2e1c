// `magsag exec` asks the person at the terminal before a call whose policy is approve, driven here
// through a real pseudo-terminal: util-linux `script` runs the CLI on a pty and relays our keys.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cliArgs, magsag, repoRoot } from './helpers.ts';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
// Without it the prompt tests are skipped, and the skipped suite's name says why.
const why = hasScript ? '' : ' — SKIPPED: util-linux `script` (Debian package bsdutils) is missing, so no pseudo-terminal can drive the prompt';

const project = mkdtempSync(path.join(tmpdir(), 'magsag-approvals-tty-'));
const graph = path.join(project, 'memory.jsonl');
mkdirSync(path.join(project, 'mcp'));
writeFileSync(
  path.join(project, 'magsag.config.yaml'),
  ['version: 1', 'folders:', '  servers: mcp', `  modules: ${JSON.stringify(path.join(repoRoot, 'servers'))}`, '  skills: skills', '  state: .magsag', ''].join('\n'),
);
writeFileSync(
  path.join(project, 'mcp', 'memory.yaml'),
  [
    'id: memory',
    'transport:',
    '  type: stdio',
    '  command: node',
    '  args:',
    `    - ${JSON.stringify(path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'))}`,
    '  env:',
    `    MEMORY_FILE_PATH: ${JSON.stringify(graph)}`,
    'approvals:',
    '  allow: [read_graph, create_entities]',
    '  approve: ["delete_*"]',
    '',
  ].join('\n'),
);
const program = path.join(project, 'prune.ts');
writeFileSync(
  program,
  `import { deleteEntities } from './servers/memory/deleteEntities.ts';
import { readGraph } from './servers/memory/readGraph.ts';
await deleteEntities({ entityNames: ['Temp A'] });
await deleteEntities({ entityNames: ['Temp B'] });
export default (await readGraph({})).entities.map((e) => e.name);
`,
);

afterAll(() => rmSync(project, { recursive: true, force: true }));

beforeEach(() => {
  const entity = (name: string): string => JSON.stringify({ type: 'entity', name, entityType: 'note', observations: [] });
  writeFileSync(graph, `${entity('Temp A')}\n${entity('Temp B')}\n`);
});

const names = (): string[] =>
  readFileSync(graph, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { name: string }).name);

const shellQuote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Runs `magsag <args>` on a pseudo-terminal, typing each answer when the next prompt appears. */
function onTerminal(args: string[], answers: string[]): Promise<{ status: number; output: string; prompts: number }> {
  const command = cliArgs(args).map(shellQuote).join(' ');
  const child = spawn('script', ['-q', '-e', '-f', '-c', command, '/dev/null'], { cwd: project, env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' } });
  let output = '';
  let prompts = 0;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    const seen = output.split('Approve? [y]').length - 1;
    while (prompts < seen) {
      const answer = answers[prompts] ?? 'n';
      prompts++;
      child.stdin.write(`${answer}\r`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 120 s; output so far:\n${output}`));
    }, 120_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, output, prompts });
    });
  });
}

describe.skipIf(!hasScript)(`approvals on a terminal (magsag exec on a pty)${why}`, () => {
  it('a denial at the prompt fails the call with TOOL_APPROVAL_DENIED (exit 3) and the server data keeps the entity', async () => {
    const run = await onTerminal(['exec', program], ['n']);
    expect(run.prompts).toBe(1);
    expect(run.output).toContain('memory/delete_entities {"entityNames":["Temp A"]}');
    expect(run.output).toContain('TOOL_APPROVAL_DENIED');
    expect(run.status).toBe(3);
    expect(names()).toEqual(['Temp A', 'Temp B']);
    // The audit log says who decided.
    const runId = /Run (run-[0-9T-]+-[0-9a-f]+)/.exec(run.output)?.[1];
    expect(runId).toBeDefined();
    const audit = magsag(['audit', 'show', runId!, '--json'], { cwd: project });
    expect(audit.status).toBe(0);
    expect(JSON.parse(audit.stdout)).toEqual([
      expect.objectContaining({ direction: 'approval', server: 'memory', tool: 'delete_entities', outcome: 'denied', decidedBy: expect.stringMatching(/^local:.+ \(terminal\)$/) }),
    ]);
  });

  it('"y" approves one call at a time: two deletes are asked twice and both land', async () => {
    const run = await onTerminal(['exec', program], ['y', 'y']);
    expect(run.status).toBe(0);
    expect(run.prompts).toBe(2);
    expect(names()).toEqual([]);
  });

  it('"a" approves the tool for the rest of the run: asked once', async () => {
    const run = await onTerminal(['exec', program], ['a']);
    expect(run.status).toBe(0);
    expect(run.prompts).toBe(1);
    expect(names()).toEqual([]);
  });
});

describe('approvals without a terminal', () => {
  it('refuses with TOOL_APPROVAL_REQUIRED (exit 3) and sends nothing; --approve and --yes approve', () => {
    const refused = magsag(['exec', program, '--json'], { cwd: project });
    expect(refused.status).toBe(3);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'TOOL_APPROVAL_REQUIRED', message: expect.stringContaining('memory/delete_entities') });
    expect(names()).toEqual(['Temp A', 'Temp B']);

    const named = magsag(['exec', program, '--approve', 'memory/delete_*', '--json'], { cwd: project });
    expect(named.status).toBe(0);
    expect(JSON.parse(named.stdout).result).toEqual([]);

    writeFileSync(graph, `${JSON.stringify({ type: 'entity', name: 'Temp A', entityType: 'note', observations: [] })}\n`);
    const other = magsag(['exec', program, '--approve', 'memory/create_*', '--json'], { cwd: project });
    expect(other.status).toBe(3);
    expect(JSON.parse(other.stdout).error.message).toContain('--approve memory/delete_entities');
    expect(names()).toEqual(['Temp A']);

    const all = magsag(['exec', program, '--yes', '--json'], { cwd: project });
    expect(all.status).toBe(0);
    expect(names()).toEqual([]);
  });

  it('names a malformed --approve value', () => {
    const bad = magsag(['exec', program, '--approve', 'delete_entities'], { cwd: project });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--approve takes <server>/<tool>');
  });
});
