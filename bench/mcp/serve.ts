// The code-execution side's MCP surface, for real: `magsag serve` started as MCP clients start it
// (the same entry as `pnpm magsag serve`), in the bench's project copy, and queried over stdio with
// the official SDK client. Its tool list is what the model is given; its `search_tools` answers are
// what discovery costs.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServedTool {
  name: string;
  description?: string;
  inputSchema: unknown;
}

export interface MagsagServe {
  tools: ServedTool[];
  /** The serve process (its tree holds the sandbox workers and MCP servers it started). */
  pid: number;
  /** Calls one tool of `magsag serve` and returns its answer text as the model would see it. */
  call(tool: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
}

/** Starts `magsag serve` (stdio) with `cwd` as its project root. */
export async function startServe(cwd: string): Promise<MagsagServe> {
  // The package's source entry, as the root `magsag` script runs it (whatever condition resolved the import).
  let pkg = path.dirname(fileURLToPath(import.meta.resolve('magsag')));
  while (!existsSync(path.join(pkg, 'package.json')) && path.dirname(pkg) !== pkg) pkg = path.dirname(pkg);
  const bin = path.join(pkg, 'src', 'bin.ts');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--no-node-snapshot', '--conditions=magsag-source', '--import', import.meta.resolve('tsx'), bin, 'serve'],
    cwd,
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'MAGSAG_SERVERS_DIR' && e[0] !== 'MAGSAG_STATE_DIR')),
    stderr: 'ignore',
  });
  // The person at the client: every scenario's writes (crm/create_record) need an approval, which
  // serve asks for with an elicitation; the bench approves them. Elicitations go to the person, not
  // the model, so they cost no tokens.
  const client = new Client({ name: 'magsag-bench', version: '0.1.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: {} }));
  await client.connect(transport);
  const listed = await client.listTools();
  const pid = transport.pid;
  if (pid === null) throw new Error('magsag serve started but has no process id');
  return {
    pid,
    tools: listed.tools.map((t) => ({ name: t.name, ...(t.description === undefined ? {} : { description: t.description }), inputSchema: t.inputSchema })),
    async call(tool, args) {
      const result = await client.callTool({ name: tool, arguments: args });
      const content = Array.isArray(result.content) ? (result.content as { type: string; text?: string }[]) : [];
      return { text: content.map((c) => (c.type === 'text' ? (c.text ?? '') : JSON.stringify(c))).join('\n'), isError: result.isError === true };
    },
    close: () => client.close(),
  };
}

/** Parent of each process, from /proc (Linux). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(name), ppid);
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/** Resident memory of `root` and its descendants (without `exclude` and its own), in bytes. */
function treeRss(root: number, exclude: number | undefined): number {
  const ppids = parents();
  const inTree = new Set<number>([root]);
  // Parents appear before children often but not always: repeat until no process is added.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of ppids) {
      if (!inTree.has(pid) && inTree.has(ppid) && pid !== exclude) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let bytes = 0;
  for (const pid of inTree) {
    try {
      bytes += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    } catch {
      // Ended while we looked.
    }
  }
  return bytes;
}

/**
 * Runs `fn` and samples the resident memory of the process tree rooted at `root` (leaving out the
 * tree of `exclude`) every 25 ms: the peak in MiB and the wall time. On a system without /proc the
 * peak is 0.
 */
export async function peakTreeRss<T>(root: number, exclude: number | undefined, fn: () => Promise<T>): Promise<{ value: T; peakMb: number; ms: number }> {
  const sample = (): number => {
    try {
      return treeRss(root, exclude);
    } catch {
      return 0;
    }
  };
  let peak = sample();
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 25);
  const start = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - start;
    peak = Math.max(peak, sample());
    return { value, peakMb: peak / 1024 / 1024, ms };
  } finally {
    clearInterval(timer);
  }
}
