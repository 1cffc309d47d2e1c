/**
 * The adversarial set of issue 17: one program per way personal data reached the model before,
 * each run through `magsag exec` against real servers (the CRM stand-in, memory, filesystem,
 * everything, and fixtures/leakyServer.mjs) in a project of its own. After every run, stdout,
 * stderr, the model view, the result, the logs and every file under the state folder are searched
 * for the demo data's raw values: none may appear.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magsag, repoRoot } from './helpers.ts';

interface Contact {
  Name: string;
  Email: string | null;
  Phone: string | null;
  MobilePhone: string | null;
}

const crmSeed = path.join(repoRoot, 'tools/adk/demo-data/crm/records.json');
const contacts = (JSON.parse(readFileSync(crmSeed, 'utf8')) as { records: { Contact: Contact[] } }).records.Contact;
const first = contacts[0]!;
/** Every raw value of the CRM's contacts, and the encoded forms the leaky server sends. */
const rawValues = [
  ...new Set([
    ...contacts.flatMap((c) => [c.Name, c.Email, c.Phone, c.MobilePhone].filter((v): v is string => typeof v === 'string' && v.length > 0)),
    Buffer.from(`${first.Name}, ${first.Email}, ${first.Phone}`).toString('base64'),
    encodeURIComponent(first.Email!),
  ]),
];

let project: string;
let stateDir: string;

function yamlFor(id: string): string {
  return readFileSync(path.join(repoRoot, 'tools/adk/servers', `${id}.yaml`), 'utf8')
    .replaceAll('../../../node_modules/', `${repoRoot}/node_modules/`)
    .replaceAll('../../demo-servers/', `${repoRoot}/tools/demo-servers/`)
    .replaceAll('../../../.magsag/demo/', `${project}/data/`);
}

beforeAll(() => {
  project = mkdtempSync(path.join(os.tmpdir(), 'magsag-leaks-'));
  stateDir = path.join(project, '.magsag');
  const servers = path.join(project, 'tools/adk/servers');
  writeFileSync(path.join(project, 'magsag.config.yaml'), 'version: 1\nfolders:\n  servers: tools/adk/servers\n');
  mkdirSync(servers, { recursive: true });
  mkdirSync(path.join(project, 'data/crm'), { recursive: true });
  mkdirSync(path.join(project, 'data/files'), { recursive: true });
  cpSync(crmSeed, path.join(project, 'data/crm/records.json'));
  cpSync(path.join(repoRoot, 'tools/adk/demo-data/memory.jsonl'), path.join(project, 'data/memory.jsonl'));
  // Files for the filesystem's media tool: contacts as CSV and JSON (text), and a PNG (binary).
  const csv = ['full_name,email,phone', ...contacts.map((c) => `${c.Name},${c.Email ?? ''},${c.Phone ?? ''}`)].join('\n');
  writeFileSync(path.join(project, 'data/files/contacts.csv'), csv);
  writeFileSync(path.join(project, 'data/files/contacts.json'), JSON.stringify(contacts.slice(0, 5)));
  writeFileSync(
    path.join(project, 'data/files/card.png'),
    Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from(`\u0000\u0001tEXt${first.Name} ${first.Email}\u0000\u0002`)]),
  );
  for (const id of ['crm', 'memory', 'filesystem', 'everything']) writeFileSync(path.join(servers, `${id}.yaml`), yamlFor(id));
  const leaky = {
    id: 'leaky',
    description: 'Test server that leaks personal data through errors, stderr, keys and encodings.',
    transport: { type: 'stdio', command: 'node', args: [path.join(repoRoot, 'test/e2e/fixtures/leakyServer.mjs'), path.join(project, 'data/crm/records.json')] },
    pii: { fields: { Name: 'NAME', Contact: 'NAME' }, queryArgs: ['query'], maxQueryCalls: 3 },
    flows: { allow: [{ to: 'crm', kinds: ['EMAIL'] }] },
    tools: [
      ...['fail_with_pii', 'crash_with_pii', 'structured_keys', 'encoded', 'amounts'].map((name) => ({ name, description: name, inputSchema: { type: 'object', properties: {} } })),
      { name: 'lookup', description: 'lookup', inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
    ],
  };
  // JSON is YAML.
  writeFileSync(path.join(servers, 'leaky.yaml'), JSON.stringify(leaky, null, 2));
  const generated = magsag(['codegen'], { cwd: project, env: env() });
  if (generated.status !== 0) throw new Error(`codegen failed: ${generated.stdout}${generated.stderr}`);
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return { MAGSAG_STATE_DIR: stateDir, MAGSAG_SERVERS_DIR: '', MAGSAG_VAULT_KEY: '' };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

interface RunDoc {
  ok: boolean;
  result: unknown;
  modelView: string;
  logs: unknown[];
  error: { code: string; message: string } | null;
}

/** Runs a program and asserts that no raw value appears in any channel or state file. */
function run(code: string): RunDoc {
  const { stdout, stderr } = magsag(['exec', '-', '--json', '--no-typecheck'], { cwd: project, env: env(), input: code });
  let doc: RunDoc;
  try {
    doc = JSON.parse(stdout) as RunDoc;
  } catch {
    throw new Error(`not JSON: ${stdout}\n${stderr}`);
  }
  const channels: [string, string][] = [
    ['stdout', stdout],
    ['stderr', stderr],
    ['modelView', doc.modelView],
    ['result', JSON.stringify(doc.result)],
    ['logs', JSON.stringify(doc.logs)],
  ];
  for (const file of filesUnder(stateDir)) channels.push([path.relative(project, file), readFileSync(file, 'utf8')]);
  for (const [channel, text] of channels) {
    for (const value of rawValues) expect(text.includes(value), `${channel} holds the raw value ${JSON.stringify(value)}`).toBe(false);
  }
  if (process.env['PII_LEAKS_DEBUG']) process.stderr.write(`${JSON.stringify(doc.error)}\n${doc.modelView}\n`);
  return doc;
}

const header = [
  "import { runSoqlQuery } from './servers/crm/runSoqlQuery';",
  "import { getRecord } from './servers/crm/getRecord';",
  "import { readMediaFile } from './servers/filesystem/readMediaFile';",
  "import { echo } from './servers/everything/echo';",
  "import { failWithPii } from './servers/leaky/failWithPii';",
  "import { crashWithPii } from './servers/leaky/crashWithPii';",
  "import { structuredKeys } from './servers/leaky/structuredKeys';",
  "import { encoded } from './servers/leaky/encoded';",
  "import { amounts } from './servers/leaky/amounts';",
  "import { lookup } from './servers/leaky/lookup';",
  // Modules return parsed data: a JSON text comes back parsed, any other text as a string.
  "const text = async (p) => { const value = await p; return typeof value === 'string' ? value : JSON.stringify(value); };",
  'const blobOf = (media) => media.content[0].data ?? media.content[0].resource?.blob ?? media.content[0].text ?? "";',
  // The isolate has no atob: the program decodes base64 itself, as an attacker would.
  "const atob = (s) => { const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'; let bits = 0, n = 0; const out = []; for (const ch of s.replace(/=+$/, '')) { bits = ((bits << 6) | a.indexOf(ch)) & 0xffffff; n += 6; if (n >= 8) { n -= 8; out.push((bits >> n) & 255); } } try { return decodeURIComponent(out.map((b) => '%' + b.toString(16).padStart(2, '0')).join('')); } catch { return String.fromCharCode(...out); } };",
  'const attempt = async (f) => { try { return await f(); } catch (e) { return { code: e.code, message: e.message }; } };',
].join('\n');

const program = (body: string): string => `${header}\n${body}`;

describe('no raw value reaches the model', () => {
  it('1. the CRM default CSV output (and a phone another server already returned)', () => {
    const doc = run(
      program(`
const keys = await structuredKeys({});
const csv = await text(runSoqlQuery({ query: 'SELECT Id, Name, Email, Phone, MobilePhone FROM Contact' }));
console.log(csv);
const json = await text(runSoqlQuery({ query: 'SELECT Id, Name, Email, Phone, MobilePhone FROM Contact', format: 'json' }));
export default { keys, csv, json };`),
    );
    expect(doc.ok, JSON.stringify(doc.error)).toBe(true);
    const { csv, json } = doc.result as { csv: string; json: string };
    expect(csv).toMatch(/\[NAME_\d+\],\[EMAIL_\d+\],\[PHONE_\d+\],\[PHONE_\d+\]/);
    // The JSON output stays JSON after masking.
    expect(() => JSON.parse(json.slice(json.indexOf('\n') + 1))).not.toThrow();
  });

  it('2. suffix recovery: a placeholder with a suffix is never swapped back', () => {
    const doc = run(
      program(`
const rows = await text(runSoqlQuery({ query: 'SELECT Id, Name, Email, Phone FROM Contact LIMIT 1', format: 'json' }));
const row = JSON.parse(rows.slice(rows.indexOf('\\n') + 1))[0];
const tries = [];
for (const value of [row.Email, row.Phone, row.Name]) {
  tries.push(await attempt(() => getRecord({ object_name: 'Contact', record_id: value + '1' })));
  tries.push(await attempt(() => getRecord({ object_name: 'Contact', record_id: 'x' + value })));
}
export default { row, tries };`),
    );
    const { row } = doc.result as { row: Record<string, string> };
    expect(row['Email']).toMatch(/^\[EMAIL_\d+\]$/);
  });

  it('3. policy sees values: an echo server is no origin, and a decoded value cannot be sent on', () => {
    const doc = run(
      program(`
const media = await readMediaFile({ path: 'contacts.csv' });
const decoded = atob(blobOf(media));
const email = decoded.split('\\n')[1].split(',')[1];
const echoed = await attempt(() => echo({ message: email }));
const rows = await text(runSoqlQuery({ query: 'SELECT Email FROM Contact LIMIT 1', format: 'json' }));
const placeholder = JSON.parse(rows.slice(rows.indexOf('\\n') + 1))[0].Email;
const sent = await attempt(() => echo({ message: placeholder }));
export default { decoded: decoded.slice(0, 200), email, echoed, sent };`),
    );
    const result = doc.result as { email: string; sent: { code?: string } };
    expect(result.email).toMatch(/^\[EMAIL_\d+\]$/);
    expect(result.sent.code).toBe('PII_POLICY_VIOLATION');
  });

  it('4. every channel: media blobs, JSON-RPC errors, stderr of a crash, structured keys, encodings', () => {
    const doc = run(
      program(`
const csv = await readMediaFile({ path: 'contacts.csv' });
const json = await readMediaFile({ path: 'contacts.json' });
const png = await readMediaFile({ path: 'card.png' });
const failed = await attempt(() => failWithPii({}));
const keys = await structuredKeys({});
const enc = await encoded({});
const crashed = await attempt(() => crashWithPii({}));
console.log(failed.message, crashed.message);
export default { csv: atob(blobOf(csv)), json: atob(blobOf(json)), png, failed, keys, enc, crashed };`),
    );
    const result = doc.result as { png: { content: { type: string; text?: string }[] }; failed: { code: string }; crashed: { code: string } };
    expect(result.png.content[0]?.type).toBe('text');
    expect(result.png.content[0]?.text).toMatch(/withheld/);
    expect(result.failed.code).toBe('TOOL_ERROR');
    expect(result.crashed.code).toBe('SERVER_CRASHED');
  });

  it('5. a placeholder is never masked again, under a personal key or anywhere', () => {
    const doc = run(
      program(`
const rows = await text(runSoqlQuery({ query: 'SELECT Name, Email FROM Contact LIMIT 1', format: 'json' }));
const row = JSON.parse(rows.slice(rows.indexOf('\\n') + 1))[0];
console.log(JSON.stringify({ full_name: row.Name, contact: { full_name: row.Name } }));
export default { full_name: row.Name, nested: { full_name: { first: row.Name } }, again: await getRecord({ object_name: 'Contact', record_id: '0035g0000000001AAA' }) };`),
    );
    const result = doc.result as { full_name: string; nested: { full_name: { first: string } } };
    expect(result.full_name).toMatch(/^\[NAME_\d+\]$/);
    expect(result.nested.full_name.first).toBe(result.full_name);
    expect(doc.modelView).toContain(result.full_name);
  });

  it('6./7. numbers that are not personal data stay numbers; the document stays JSON', () => {
    const doc = run(program(`const deal = await text(amounts({}));\nexport default JSON.parse(deal);`));
    expect(doc.result).toMatchObject({ Deal: 'Renewal', Amount: 16871.09, Units: 12 });
    expect((doc.result as { Phone: string }).Phone).toMatch(/^\[PHONE_\d+\]$/);
  });

  it('the oracle: placeholders and raw values are refused in pii.queryArgs, and calls are capped by pii.maxQueryCalls', () => {
    const doc = run(
      program(`
const rows = await text(runSoqlQuery({ query: 'SELECT Email FROM Contact LIMIT 1', format: 'json' }));
const email = JSON.parse(rows.slice(rows.indexOf('\\n') + 1))[0].Email;
const withPlaceholder = await attempt(() => lookup({ query: email }));
const guesses = [];
for (const guess of ['a', 'b', 'c', 'd']) guesses.push(await attempt(() => lookup({ query: guess })));
export default { withPlaceholder, guesses };`),
    );
    const result = doc.result as { withPlaceholder: { code: string }; guesses: ({ code?: string } | string)[] };
    expect(result.withPlaceholder.code).toBe('PII_POLICY_VIOLATION');
    // The first guesses are answered (lookup's text, 'match' or 'no match'); only the last is refused.
    expect(result.guesses.slice(0, 2).every((g) => typeof g === 'string')).toBe(true);
    expect(result.guesses.at(-1)).toMatchObject({ code: 'PII_QUERY_LIMIT' });
  });
});

describe('magsag serve answers do not depend on what came before', () => {
  it('answers read_tool, search_tools and a type-check error byte for byte the same before and after list_skills', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { cliArgs } = await import('./helpers.ts');
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const [command, ...args] = cliArgs(['serve']);
    await client.connect(new StdioClientTransport({ command: command!, args, cwd: repoRoot, stderr: 'ignore' }));
    const textOf = (answer: unknown): string => ((answer as { content: { text: string }[] }).content[0]?.text ?? '');
    // The run id, timings and workspace change from run to run; the rest must not.
    const stable = (text: string): string => text.replace(/run-\S+/g, 'run').replace(/\d+ ms/g, 'ms').replace(/ws-\S+/g, 'ws');
    const answers = async (): Promise<string[]> => [
      textOf(await client.callTool({ name: 'read_tool', arguments: { tool: 'github/listIssues' } })),
      textOf(await client.callTool({ name: 'read_tool', arguments: { tool: 'crm/createRecord' } })),
      textOf(await client.callTool({ name: 'search_tools', arguments: { query: 'issues owner', detail: 'full', limit: 3 } })),
      stable(textOf(await client.callTool({ name: 'execute_code', arguments: { code: "import { listIssues } from './servers/github/listIssues';\nexport default await listIssues({ owner: 1 });" } }))),
    ];
    try {
      const before = await answers();
      const skills = textOf(await client.callTool({ name: 'list_skills', arguments: {} }));
      expect(skills).toContain('full_name');
      const after = await answers();
      expect(after).toEqual(before);
      expect(before.join('\n')).toContain('owner');
      expect(before.join('\n')).not.toMatch(/\[NAME_\d+\]/);
    } finally {
      await client.close();
    }
  });
});
