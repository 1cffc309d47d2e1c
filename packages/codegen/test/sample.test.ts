import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { McpClient } from '@magsag/mcp-client';
import { createPii } from '@magsag/pii';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate, runCodegenCommand, sampleOutputSchemas } from '../src/index.ts';
import { repoRoot, tempProject, type TempProject } from './helpers.ts';

// The CRM stand-in over a copy of its demo data: its records hold names, emails and phone numbers.
let project: TempProject;
let file: string;
let records: string;
const opened: McpClient[] = [];

/** What the CLI gives --sample: a new client per server with a PII layer of its own. */
async function connect(): Promise<McpClient> {
  const client = new McpClient({ serversDir: project.serversDir, cacheDir: path.join(project.root, '.magsag', 'cache') });
  const pii = createPii({ stateDir: path.join(project.root, '.magsag'), servers: client.servers().map((s) => ({ id: s.id, file: s.file, ...(s.pii ? { pii: s.pii } : {}) })), audit: false });
  opened.push(client);
  return client.use(pii.middleware);
}

beforeAll(() => {
  project = tempProject();
  records = path.join(project.root, 'records.json');
  copyFileSync(path.join(repoRoot, 'tools', 'adk', 'demo-data', 'crm', 'records.json'), records);
  const repoCrm = parse(readFileSync(path.join(repoRoot, 'tools', 'adk', 'servers', 'crm.yaml'), 'utf8')) as { pii: unknown; tools: Record<string, unknown>[] };
  const tools = repoCrm.tools.map(({ sample: _sample, inferredOutputSchema: _inferred, ...tool }) => tool);
  const getRecord = tools.find((t) => t['name'] === 'get_record')!;
  getRecord['sample'] = [
    { object_name: 'Contact', record_id: '0035g0000000001AAA', format: 'json' },
    { object_name: 'Contact', record_id: '0035g0000000002AAA', format: 'json' },
  ];
  file = project.writeServer('crm', tools, {
    transport: { type: 'stdio', command: 'node', args: [path.join(repoRoot, 'tools', 'demo-servers', 'crm', 'server.mjs'), '--data', records] },
    pii: repoCrm.pii,
  });
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  project.cleanup();
});

describe('sampleOutputSchemas (magsag codegen --sample)', () => {
  it('calls only the sampled tools, through the PII layer, and stores shapes without values', async () => {
    const before = readFileSync(records, 'utf8');
    const result = await sampleOutputSchemas({ serversDir: project.serversDir, connect });
    expect(result.diagnostics).toEqual([]);
    expect(result.servers).toEqual([expect.objectContaining({ id: 'crm', tools: ['get_record'], changed: true })]);
    // Nothing else was called: the records (which create/update/delete would change) are untouched.
    expect(readFileSync(records, 'utf8')).toBe(before);
    const text = readFileSync(file, 'utf8');
    const tools = (parse(text) as { tools: { name: string; inferredOutputSchema?: Record<string, unknown> }[] }).tools;
    expect(tools.filter((t) => t.inferredOutputSchema).map((t) => t.name)).toEqual(['get_record']);
    const schema = JSON.stringify(tools.find((t) => t.name === 'get_record')!.inferredOutputSchema);
    // Shapes only: no name, email, placeholder or any other value of the records.
    for (const value of ['Lena', 'Fischer', '@', 'EMAIL', 'PHONE', 'Berlin', '0035g']) expect(schema).not.toContain(value);
    expect(schema).toContain('"type":"object"');
  });

  it('is deterministic: sampling again writes the same text', async () => {
    const once = readFileSync(file, 'utf8');
    const again = await sampleOutputSchemas({ serversDir: project.serversDir, connect });
    expect(again.servers[0]?.changed).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(once);
  });

  it('codegen then types the result from it and says so', async () => {
    const result = await generate({ serversDir: project.serversDir, outDir: project.outDir });
    expect(result.exitCode).toBe(0);
    const module = project.read('servers/crm/getRecord.ts');
    expect(module).toContain('GetRecordOutput is inferred from sample results');
    expect(module).not.toContain('export type GetRecordOutput = unknown;');
    expect(project.read('servers/crm/createRecord.ts')).toContain('export type CreateRecordOutput = unknown;');
  });

  it('is refused without a PII-masked client (pnpm mcp:codegen has none)', async () => {
    const err: string[] = [];
    const code = await runCodegenCommand({ sample: true, serversDir: project.serversDir }, { out: () => {}, err: (t) => err.push(t), interactive: false });
    expect(code).toBe(2);
    expect(err.join('')).toContain('--sample needs the PII layer');
  });
});
