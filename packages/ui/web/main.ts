// The page of `magsag ui`: plain DOM, CodeMirror 6 for the editor, marked for SKILL.md, hand-made
// SVG charts. Bundled by esbuild into dist/web/app.js at build time: nothing loads from a CDN.
import { javascript } from '@codemirror/lang-javascript';
import { linter, lintGutter, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { marked, Renderer, type Tokens } from 'marked';
import { barChart, lineChart } from './charts.ts';

type Json = Record<string, unknown>;
type Child = Node | string | number | null | undefined | false;

/** A DOM element: `h('div', { class: 'x', onclick }, child, ...)`. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Json = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false || value === null) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}

/** The nodes among `children` (leaves out null, undefined and false). */
const nodes = (...children: Child[]): (Node | string)[] => children.flatMap((c) => (c === null || c === undefined || c === false ? [] : [c instanceof Node ? c : String(c)]));

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GET `path`, or POST `body` as JSON. */
async function api<T = unknown>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, body === undefined ? { credentials: 'same-origin' } : { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new ApiError(res.status, data.error?.code ?? 'HTTP', data.error?.message ?? `HTTP ${res.status}`);
  return data as T;
}

const pretty = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value, null, 2) ?? String(value));
const jsonText = (text: string | undefined): string => {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};
const errorBox = (error: unknown): HTMLElement => h('p', { class: 'error' }, error instanceof Error ? error.message : String(error));
const ticket = (): string => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

// ---------------------------------------------------------------- servers and tools

async function serversTab(root: HTMLElement): Promise<void> {
  const [servers, tools] = await Promise.all([api<Json[]>('/api/servers'), api<Json[]>('/api/tools').catch(() => [] as Json[])]);
  const serverRows = servers.map((s) => {
    const status = h('span', { class: 'status' }, s['error'] ? 'invalid' : s['enabled'] ? `cache ${String(s['cache'])}` : 'disabled');
    const test = h('button', {
      'data-test': `test-${String(s['id'])}`,
      onclick: async () => {
        status.textContent = 'testing…';
        try {
          const r = await api<Json>('/api/servers/test', { id: s['id'] });
          const err = r['error'] as Json | undefined;
          status.textContent = r['ok'] ? `ok · ${String(r['tools'])} tools · ${String(r['ms'])} ms` : `FAIL ${String(err?.['code'])}: ${String(err?.['message'])}`;
          status.className = r['ok'] ? 'status ok' : 'status bad';
        } catch (error) {
          status.textContent = (error as Error).message;
        }
      },
    }, 'Test');
    return h('tr', {}, h('td', {}, String(s['id'])), h('td', {}, String(s['transport'])), h('td', {}, String(s['description'] ?? '')), h('td', {}, status), h('td', {}, test));
  });
  const byServer = new Map<string, Json[]>();
  for (const t of tools) byServer.set(String(t['server']), [...(byServer.get(String(t['server'])) ?? []), t]);

  const results = h('div', { id: 'search-results' });
  const cost = h('span', { id: 'search-tokens', class: 'muted' });
  const query = h('input', { id: 'search-query', type: 'search', placeholder: 'search tools and skills, e.g. "echo a message"', size: 50 });
  const detail = h('select', { id: 'search-detail' }, h('option', { value: 'name' }, 'name'), h('option', { value: 'summary', selected: true }, 'summary'), h('option', { value: 'full' }, 'full'));
  const search = async (): Promise<void> => {
    results.replaceChildren(h('p', { class: 'muted' }, 'searching…'));
    try {
      const answer = await api<{ hits: Json[]; text: string; tokens: number }>(`/api/search?q=${encodeURIComponent(query.value)}&detail=${detail.value}`);
      cost.textContent = `${answer.hits.length} hits · this answer costs ${answer.tokens} tokens (o200k)`;
      results.replaceChildren(
        ...answer.hits.map((hit) =>
          h('div', { class: 'hit' },
            h('b', {}, hit['kind'] === 'skill' ? `skill ${String(hit['name'])}` : `${String(hit['server'])}/${String(hit['tool'])}`),
            hit['policy'] ? h('span', { class: `policy ${String(hit['policy'])}` }, String(hit['policy'])) : null,
            hit['summary'] ? h('span', {}, ` — ${String(hit['summary'])}`) : null,
            hit['signature'] ? h('pre', {}, String(hit['signature'])) : null,
          ),
        ),
        h('details', {}, h('summary', {}, 'the answer as the model gets it'), h('pre', {}, answer.text)),
      );
    } catch (error) {
      results.replaceChildren(errorBox(error));
    }
  };
  query.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void search();
  });
  detail.addEventListener('change', () => void search());

  root.replaceChildren(
    h('h2', {}, 'Servers'),
    h('table', { id: 'servers' }, h('tr', {}, h('th', {}, 'id'), h('th', {}, 'transport'), h('th', {}, 'description'), h('th', {}, 'status'), h('th', {})), ...serverRows),
    h('h2', {}, 'Search'),
    h('p', {}, query, ' ', detail, ' ', h('button', { id: 'search-go', onclick: () => void search() }, 'Search'), ' ', cost),
    results,
    h('h2', {}, 'Tools'),
    ...[...byServer].map(([server, list]) =>
      h('details', { class: 'server-tools' },
        h('summary', {}, `${server} (${list.length} tools)`),
        ...list.map((t) => h('div', { class: 'tool' }, h('b', {}, String(t['tool'])), t['policy'] ? h('span', { class: `policy ${String(t['policy'])}` }, String(t['policy'])) : null, h('span', {}, ` — ${String(t['summary'])}`), h('pre', {}, String(t['signature'])))),
      ),
    ),
  );
}

// ---------------------------------------------------------------- run code

const starter = `import { echo } from './servers/everything/echo';

// Tools are typed functions: type errors show here before you run.
const said = await echo({ message: 'hello from magsag ui' });
console.log('the server said', said);
export default { said };
`;

let editor: EditorView | undefined;

function runView(doc: Json, target: HTMLElement): void {
  const metrics = (doc['metrics'] ?? {}) as Json;
  const calls = (metrics['toolCalls'] ?? []) as Json[];
  const modelTokens = h('span', { id: 'model-tokens', class: 'muted' }, 'counting tokens…');
  const ws = doc['workspace'] as Json | null;
  const limits = h('pre', { id: 'run-limits' }, '');
  target.replaceChildren(
    h('div', { class: 'split' },
      h('section', { id: 'model-view' }, h('h3', {}, 'Model view ', modelTokens), h('pre', {}, String(doc['modelView'] ?? ''))),
      h('section', { id: 'full-output' },
        h('h3', {}, doc['ok'] ? 'Result' : `Failed: ${String((doc['error'] as Json | null)?.['code'] ?? '')}`),
        doc['error'] ? h('pre', { class: 'error' }, String((doc['error'] as Json)['message'])) : null,
        h('pre', { id: 'run-result' }, pretty(doc['result'])),
        (doc['diagnostics'] as unknown[] | undefined)?.length ? h('pre', { class: 'error' }, pretty(doc['diagnostics'])) : null,
        h('h3', {}, 'Logs'),
        h('pre', { id: 'run-logs' }, ((doc['logs'] ?? []) as Json[]).map((l) => `${String(l['level'])}: ${String(l['message'] ?? pretty(l['args']))}`).join('\n')),
        h('h3', {}, `Tool calls (${calls.length})`),
        h('div', { id: 'tool-calls' },
          ...calls.map((c) =>
            h('details', { class: 'call', open: true },
              h('summary', {}, `${String(c['server'])}/${String(c['tool'])} · ${c['ok'] ? 'ok' : `failed ${String(c['code'] ?? '')}`} · ${String(c['ms'])} ms · ${String(c['bytes'])} bytes`),
              h('div', { class: 'muted' }, 'arguments (masked)'),
              h('pre', { class: 'call-args' }, jsonText(c['args'] as string | undefined)),
              h('div', { class: 'muted' }, 'result (masked)'),
              h('pre', { class: 'call-result' }, jsonText(c['result'] as string | undefined)),
            ),
          ),
        ),
        h('h3', {}, 'Timings and limits'),
        h('pre', { id: 'run-metrics' }, pretty({ wallMs: metrics['wallMs'], cpuMs: metrics['cpuMs'], typecheckMs: metrics['typecheckMs'], compileMs: metrics['compileMs'], heapBytes: metrics['heapBytes'], toolBytes: metrics['toolBytes'], outputBytes: metrics['outputBytes'], workspace: ws?.['id'], runId: ws?.['runId'] })),
        limits,
      ),
    ),
  );
  // The count loads after the view: the tokenizer's tables load on the server's first count.
  void api<{ tokens: number }>('/api/tokens', { text: String(doc['modelView'] ?? '') }).then(
    (r) => (modelTokens.textContent = `${r.tokens} tokens (o200k)`),
    () => (modelTokens.textContent = ''),
  );
  if (ws?.['id'] && ws['runId']) {
    void api<{ record: Json }>(`/api/runs/${encodeURIComponent(String(ws['id']))}/${encodeURIComponent(String(ws['runId']))}`).then(
      (r) => (limits.textContent = `limits used: ${pretty(r.record['limits'])}`),
      () => {},
    );
  }
}

function codeTab(root: HTMLElement): void {
  const output = h('div', { id: 'run-output' });
  const state = h('span', { id: 'run-state', class: 'muted' });
  const host = h('div', { id: 'editor' });
  let current: string | undefined;
  const run = h('button', {
    id: 'run',
    class: 'primary',
    onclick: async () => {
      current = ticket();
      state.textContent = 'running…';
      run.setAttribute('disabled', '');
      cancel.removeAttribute('disabled');
      try {
        const doc = await api<Json>('/api/run', { code: editor!.state.doc.toString(), ticket: current });
        state.textContent = doc['ok'] ? 'done' : `failed: ${String((doc['error'] as Json | null)?.['code'] ?? '')}`;
        runView(doc, output);
      } catch (error) {
        state.textContent = 'failed';
        output.replaceChildren(errorBox(error));
      } finally {
        current = undefined;
        run.removeAttribute('disabled');
        cancel.setAttribute('disabled', '');
      }
    },
  }, 'Run');
  const cancel = h('button', { id: 'cancel', disabled: true, onclick: () => current && void api('/api/cancel', { ticket: current }) }, 'Cancel');
  root.replaceChildren(h('p', {}, run, ' ', cancel, ' ', state, ' ', h('span', { class: 'muted' }, 'Type errors come from the project\'s type-checker as you type.')), host, output);
  if (!editor) {
    editor = new EditorView({
      doc: starter,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        lintGutter(),
        linter(
          async (view) => {
            const code = view.state.doc.toString();
            const { diagnostics } = await api<{ diagnostics: { line: number; column: number; message: string }[] }>('/api/typecheck', { code });
            const doc = view.state.doc;
            return diagnostics.map((d): CmDiagnostic => {
              const line = doc.line(Math.min(Math.max(1, d.line), doc.lines));
              const from = Math.min(line.to, line.from + Math.max(0, d.column - 1));
              return { from, to: Math.max(from + 1, Math.min(line.to, from + 1)), severity: 'error', message: d.message, source: 'tsc' };
            });
          },
          { delay: 500 },
        ),
      ],
    });
  }
  host.append(editor.dom);
}

// ---------------------------------------------------------------- runs, workspaces, approvals

async function runDetail(target: HTMLElement, workspace: string, runId: string): Promise<void> {
  target.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  try {
    const [{ record, output }, ws] = await Promise.all([api<{ record: Json; output: Json }>(`/api/runs/${encodeURIComponent(workspace)}/${encodeURIComponent(runId)}`), api<Json>(`/api/workspaces/${encodeURIComponent(workspace)}`)]);
    let stored: Json = {};
    try {
      stored = JSON.parse(String(output['text'] ?? '{}')) as Json;
    } catch {
      stored = { text: output['text'] };
    }
    const metrics = (record['metrics'] ?? {}) as Json;
    const doc: Json = { ok: record['status'] === 'ok', result: stored['result'], logs: stored['logs'] ?? [], error: stored['error'], diagnostics: stored['diagnostics'], metrics: { ...metrics, toolCalls: Array.isArray(metrics['toolCalls']) ? metrics['toolCalls'] : [] }, modelView: `(the record of ${runId}: status ${String(record['status'])})`, workspace: { id: workspace, runId } };
    const view = h('div', {});
    runView(doc, view);
    target.replaceChildren(
      h('h3', { id: 'run-detail-title' }, `${runId} · ${String(record['status'])}`),
      view,
      h('h3', {}, `Workspace ${workspace}: files`),
      h('ul', { id: 'workspace-files' }, ...((ws['entries'] ?? []) as Json[]).map((e) => h('li', {}, `${String(e['path'])} (${String(e['type'])}, ${String(e['bytes'])} bytes)`))),
    );
  } catch (error) {
    target.replaceChildren(errorBox(error));
  }
}

async function approvalsBox(target: HTMLElement): Promise<void> {
  const entries = await api<Json[]>('/api/approvals');
  const pending = entries.filter((e) => e['status'] === 'pending');
  target.replaceChildren(
    ...nodes(h('h2', {}, `Approvals waiting (${pending.length})`)),
    ...nodes(pending.length === 0 ? h('p', { class: 'muted' }, 'None. A run from this page that calls a tool whose policy is `approve` waits here for your answer.') : null),
    ...pending.map((e) => {
      const decide = (approved: boolean) => async () => {
        try {
          await api('/api/approvals/decide', { id: e['id'], approved });
          await approvalsBox(target);
        } catch (error) {
          target.append(errorBox(error));
        }
      };
      return h('div', { class: 'approval' },
        h('b', {}, String(e['id'])), ` run ${String(e['runId'])} · expires ${String(e['expiresAt'])}`,
        h('pre', {}, pretty(e['calls'])),
        h('button', { class: 'primary', onclick: decide(true) }, 'Approve'), ' ', h('button', { onclick: decide(false) }, 'Deny'),
      );
    }),
  );
}

async function runsTab(root: HTMLElement): Promise<void> {
  const detail = h('div', { id: 'run-detail' });
  const approvals = h('div', { id: 'approvals' });
  const rows = await api<Json[]>('/api/runs');
  root.replaceChildren(
    approvals,
    h('h2', {}, 'Runs'),
    ...nodes(rows.length === 0 ? h('p', { class: 'muted' }, 'No runs yet.') : null),
    h('table', { id: 'runs' },
      h('tr', {}, h('th', {}, 'started'), h('th', {}, 'run'), h('th', {}, 'status'), h('th', {}, 'ms'), h('th', {}, 'tool calls'), h('th', {}, 'error'), h('th', {}, 'workspace')),
      ...rows.map((r) =>
        h('tr', { class: 'run-row', 'data-run': String(r['runId']), onclick: () => void runDetail(detail, String(r['workspace']), String(r['runId'])) },
          h('td', {}, String(r['startedAt'] ?? '')), h('td', {}, String(r['runId'])), h('td', { class: `st-${String(r['status'])}` }, String(r['status'])), h('td', {}, String(r['wallMs'] ?? '')), h('td', {}, String(r['toolCalls'] ?? '')), h('td', {}, String(r['errorCode'] ?? '')), h('td', {}, String(r['workspace'])),
        ),
      ),
    ),
    detail,
  );
  await approvalsBox(approvals).catch((error: unknown) => approvals.replaceChildren(errorBox(error)));
}

// ---------------------------------------------------------------- skills

/** SKILL.md as HTML: raw HTML in it is shown as text, and links keep only http(s) and relative targets. */
function renderMarkdown(text: string): string {
  const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = text.replace(/^---\n[\s\S]*?\n---\n/, '');
  return marked.parse(body, {
    async: false,
    renderer: Object.assign(new Renderer(), {
      html: (token: Tokens.HTML | Tokens.Tag) => escape(token.text),
      link(this: Renderer, token: Tokens.Link) {
        const safe = /^(https?:|\/|\.|#|[a-z0-9_-]+(\/|\.|$))/i.test(token.href) && !/^\s*(javascript|data|vbscript):/i.test(token.href);
        const text = this.parser.parseInline(token.tokens);
        return safe ? `<a href="${escape(token.href)}" rel="noreferrer noopener" target="_blank">${text}</a>` : text;
      },
      image: (token: Tokens.Image) => escape(`[image: ${token.text}]`),
    }),
  });
}

async function skillsTab(root: HTMLElement): Promise<void> {
  const skills = await api<Json[]>('/api/skills');
  const view = h('div', { id: 'skill-view' });
  const show = (s: Json): void => {
    const out = h('div', {});
    const md = h('div', { class: 'markdown' });
    md.innerHTML = renderMarkdown(String(s['markdown'] ?? ''));
    const examples = (s['examples'] ?? []) as Json[];
    view.replaceChildren(
      h('h2', {}, String(s['name'])),
      ...examples.map((ex, i) => {
        const id = ticket();
        return h('p', {},
          h('button', {
            class: 'primary',
            onclick: async () => {
              out.replaceChildren(h('p', { class: 'muted' }, 'running…'));
              try {
                runView(await api<Json>('/api/skills/run', { name: s['name'], input: ex['input'], ticket: id }), out);
              } catch (error) {
                out.replaceChildren(errorBox(error));
              }
            },
          }, `Run example ${i + 1}`),
          ` ${String(ex['description'] ?? '')} `, h('code', {}, JSON.stringify(ex['input'])),
        );
      }),
      out,
      md,
    );
  };
  root.replaceChildren(
    h('div', { class: 'split' },
      h('ul', { id: 'skills' }, ...skills.map((s) => h('li', {}, h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), show(s)) }, String(s['name'])), ` — ${String(s['description'])}`))),
      view,
    ),
  );
}

// ---------------------------------------------------------------- benchmarks

async function benchTab(root: HTMLElement): Promise<void> {
  const bench = await api<Json>('/api/bench');
  const parts: Child[] = [];
  const mcp = bench['mcp'] as Json | undefined;
  if (mcp) {
    const scenarios = (mcp['scenarios'] ?? []) as Json[];
    const num = (s: Json, k: string): number => Number(s[k] ?? 0);
    parts.push(h('h2', {}, `bench:mcp — tokens per task (${String(mcp['tokenizer'] ?? '')}, ${String(mcp['generatedAt'] ?? '')})`));
    const tasks = scenarios.filter((s) => s['kind'] !== 'catalog' && s['kind'] !== 'data');
    parts.push(barChart({ labels: tasks.map((s) => String(s['name'])), series: [{ name: 'legacy (tool calling)', values: tasks.map((s) => num(s, 'legacyTokens')) }, { name: 'code (magsag)', values: tasks.map((s) => num(s, 'codeTokens')) }], log: true, unit: 'tokens' }));
    const catalog = scenarios.filter((s) => s['kind'] === 'catalog').map((s) => ({ x: Number(/(\d+)/.exec(String(s['name']))?.[1] ?? 0), s }));
    if (catalog.length > 0) {
      parts.push(h('h3', {}, 'Tokens vs catalog size (servers)'));
      parts.push(lineChart({ xs: catalog.map((c) => c.x), series: [{ name: 'legacy', values: catalog.map((c) => num(c.s, 'legacyTokens')) }, { name: 'code', values: catalog.map((c) => num(c.s, 'codeTokens')) }], unit: 'tokens', xLabel: 'servers' }));
    }
    const rows = scenarios.filter((s) => s['kind'] === 'data').map((s) => ({ x: Number(/(\d+)/.exec(String(s['name']))?.[1] ?? 0), s }));
    if (rows.length > 0) {
      parts.push(h('h3', {}, 'Tokens vs rows returned by a tool'));
      parts.push(lineChart({ xs: rows.map((c) => c.x), series: [{ name: 'legacy', values: rows.map((c) => num(c.s, 'legacyTokens')) }, { name: 'code', values: rows.map((c) => num(c.s, 'codeTokens')) }], unit: 'tokens', xLabel: 'rows' }));
    }
  }
  const runner = bench['runner'] as Json | undefined;
  const side = runner?.['sideBySide'] as { columns?: string[]; rows?: Json[] } | undefined;
  if (side?.rows && side.columns) {
    parts.push(h('h2', {}, 'bench:runner — median wall ms per workload'));
    parts.push(barChart({ labels: side.rows.map((r) => String(r['workload'])), series: side.columns.map((c) => ({ name: c, values: side.rows!.map((r) => Number(r[c] ?? 0)) })), unit: 'ms', log: true }));
  }
  const serve = bench['serve'] as Json | undefined;
  const phases = serve?.['phases'] as Record<string, Json> | undefined;
  if (phases) {
    const latency = Object.entries(phases).flatMap(([phase, p]) => {
      const l = (p?.['executeCode'] as Json | undefined)?.['latencyMs'] as Record<string, number> | undefined;
      return l ? [{ phase, l }] : [];
    });
    if (latency.length > 0) {
      parts.push(h('h2', {}, 'bench:serve — execute_code latency (ms)'));
      parts.push(barChart({ labels: latency.map((x) => x.phase), series: ['p50', 'p95', 'p99'].map((k) => ({ name: k, values: latency.map((x) => Number(x.l[k] ?? 0)) })), unit: 'ms' }));
    }
  }
  const replicas = bench['replicas'] as Json | undefined;
  const rep = (replicas?.['results'] ?? []) as Json[];
  if (rep.length > 0) {
    parts.push(h('h2', {}, 'bench:replicas — latency by replicas (ms)'));
    parts.push(barChart({ labels: rep.map((r) => `${String(r['replicas'])} replica(s), ${String(r['clients'])} clients`), series: ['p50', 'p90', 'p99'].map((k) => ({ name: k, values: rep.map((r) => Number((r['latencyMs'] as Json | undefined)?.[k] ?? 0)) })), unit: 'ms' }));
  }
  root.replaceChildren(...parts.filter((p): p is Node => p instanceof Node));
}

// ---------------------------------------------------------------- shell

const tabs: { id: string; label: string; render: (root: HTMLElement) => Promise<void> | void }[] = [
  { id: 'servers', label: 'Servers and tools', render: serversTab },
  { id: 'code', label: 'Run code', render: codeTab },
  { id: 'runs', label: 'Runs and workspaces', render: runsTab },
  { id: 'skills', label: 'Skills', render: skillsTab },
  { id: 'bench', label: 'Benchmarks', render: benchTab },
];

async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) {
    // The fragment never reaches a server or a Referer; it is spent here and removed from the bar.
    history.replaceState(null, '', location.pathname);
    try {
      await api('/api/session', { token });
    } catch (error) {
      app.replaceChildren(errorBox(error));
      return;
    }
  }
  let overview: { project: string; bench: boolean };
  try {
    overview = await api('/api/overview');
  } catch (error) {
    app.replaceChildren(h('h1', {}, 'magsag ui'), errorBox(error));
    return;
  }
  const content = h('main', { id: 'content' });
  const nav = h('nav', {});
  // One section per tab. The editor's section is made once and kept, so a run (and its output)
  // survives a look at another tab; the others read their data again each time they are opened.
  const sections = new Map<string, HTMLElement>();
  const select = async (id: string): Promise<void> => {
    for (const b of nav.querySelectorAll('button')) b.classList.toggle('active', b.dataset['tab'] === id);
    for (const [key, section] of sections) section.hidden = key !== id;
    let section = sections.get(id);
    if (section && id === 'code') return;
    if (!section) {
      section = h('section', { id: `section-${id}` });
      sections.set(id, section);
      content.append(section);
    }
    section.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
    try {
      await tabs.find((t) => t.id === id)!.render(section);
    } catch (error) {
      section.replaceChildren(errorBox(error));
    }
  };
  for (const t of tabs) {
    if (t.id === 'bench' && !overview.bench) continue;
    nav.append(h('button', { 'data-tab': t.id, id: `tab-${t.id}`, onclick: () => void select(t.id) }, t.label));
  }
  app.replaceChildren(h('header', {}, h('h1', {}, 'magsag ui'), h('span', { class: 'muted' }, ` project ${overview.project}`), nav), content);
  await select('servers');
}

void main();
