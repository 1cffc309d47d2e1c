// pnpm docs:conversation: a model's whole conversation with `magsag serve` for one task (find the
// open issues about login and comment on them), for docs/architecture/agents.md. It starts serve
// as MCP clients do (stdio) in a throw-away copy of the project, so the demo data is not touched,
// makes the calls a model makes, and writes each call and serve's real answer between the markers
// of that page. The program is written the way a model writes it: only from the answers above it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveProjectPaths } from '@magsag/mcp-client';
import { createBenchProject } from '../bench/mcp/project.ts';
import { startServe } from '../bench/mcp/serve.ts';

const repoRoot = resolveProjectPaths({ cwd: import.meta.dirname }).root;
const page = path.join(repoRoot, 'docs', 'architecture', 'agents.md');
const start = '<!-- docs:conversation start -->';
const end = '<!-- docs:conversation end -->';

const program = `import { listIssues } from './servers/github/listIssues';
import { addIssueComment } from './servers/github/addIssueComment';

const owner = 'magsag-demo';
const repo = 'storefront';
const { issues } = await listIssues({ owner, repo, state: 'OPEN', perPage: 100 });
const about = issues.filter((issue) => /\\blog ?in\\b|sign[ -]?in|password/i.test(\`\${issue.title} \${issue.body}\`));
for (const issue of about) {
  await addIssueComment({ owner, repo, issue_number: issue.number, body: 'Login-related: added to the auth review.' });
}
export default about.map((issue) => ({ number: issue.number, title: issue.title, comments: (issue.comments ?? 0) + 1 }));
`;

const steps: { say: string; tool: string; args: Record<string, unknown> }[] = [
  { say: 'The model looks for tools that fit the task.', tool: 'search_tools', args: { query: 'issues login comment' } },
  { say: 'It reads the two modules it will use: their input and result types.', tool: 'read_tool', args: { tool: 'github/list_issues' } },
  { say: '', tool: 'read_tool', args: { tool: 'github/add_issue_comment' } },
  { say: 'It writes one program from those types, without printing a result first, and runs it.', tool: 'execute_code', args: { code: program } },
];

const fence = (lang: string, text: string): string => `\`\`\`${lang}\n${text.trimEnd()}\n\`\`\``;

const project = createBenchProject(repoRoot);
const serve = await startServe(project.root);
const out: string[] = [];
let turn = 0;
try {
  for (const step of steps) {
    const answer = await serve.call(step.tool, step.args);
    if (answer.isError) throw new Error(`${step.tool} failed: ${answer.text}`);
    turn++;
    if (step.say) out.push(step.say, '');
    const { code, ...rest } = step.args as { code?: string };
    out.push(`**${turn}. \`${step.tool}\`** ${code === undefined ? `\`${JSON.stringify(step.args)}\`` : `${Object.keys(rest).length ? `\`${JSON.stringify(rest)}\` and ` : ''}this \`code\`:`}`, '');
    // Unmarked: the docs test runs the program again (it type-checks and runs against the demo servers).
    if (code !== undefined) out.push(fence('ts', code), '');
    out.push('<!-- example: not run: serve\'s answer -->', fence(step.tool === 'read_tool' ? 'ts' : 'text', answer.text), '');
  }
} finally {
  await serve.close();
  project.dispose();
}
const section = `${out.join('\n').trimEnd()}\n\nThat is the whole conversation: ${turn} calls to serve, and then the model tells the user which issues it commented on.`;
if (!existsSync(page)) throw new Error(`${page} is missing`);
const text = readFileSync(page, 'utf8');
const from = text.indexOf(start);
const to = text.indexOf(end);
if (from < 0 || to < from) throw new Error(`${page} has no ${start} ... ${end} markers`);
writeFileSync(page, `${text.slice(0, from + start.length)}\n\n${section}\n\n${text.slice(to)}`);
console.log(`wrote ${turn} calls and answers into ${path.relative(repoRoot, page)}`);
process.exit(0);
