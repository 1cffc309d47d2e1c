import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumArgs, chromiumPath, chromiumUnavailable } from '../support/chromium.ts';
import { cliArgs, repoRoot } from './helpers.ts';

// `magsag ui` end to end: the CLI from source against this repository's demo servers, in a real
// headless Chromium. MAGSAG_UI_SCREENSHOTS=1 also writes docs/images/ui-*.png.
const unavailable = chromiumUnavailable();
// The page's own `document`, in functions that run in the browser (the tests compile without the DOM lib).
declare const document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): { length: number } };
const screenshots = process.env['MAGSAG_UI_SCREENSHOTS'] === '1';

/** One raw request, so that Host, Origin and Cookie can be anything. */
function raw(url: URL, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: options.path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Replaces the editor's text (CodeMirror takes it as one input, not keystroke by keystroke). */
async function setCode(page: Page, code: string): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

/** Starts `magsag ui --port 0` from source on this repository, with a state folder of its own. */
async function startUiCli(stateDir: string): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const [command, ...args] = cliArgs(['--state-dir', stateDir, 'ui', '--port', '0']);
  // No DISPLAY: the browser is not opened (the link is printed either way).
  const child = spawn(command!, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' } });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /magsag ui: (http:\S+)/.exec(out);
      if (match) resolve(new URL(match[1]!));
    });
    child.once('exit', (code) => reject(new Error(`magsag ui exited ${code}: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

async function stopUiCli(child: ChildProcess | undefined): Promise<void> {
  if (!child) return;
  child.kill('SIGTERM');
  if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
}

describe('magsag ui over HTTP: loopback only, the Host/Origin guard, a one-time token, a strict cookie', () => {
  let started: Awaited<ReturnType<typeof startUiCli>>;
  let stateDir: string;
  let host: string;
  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-ui-http-'));
    started = await startUiCli(stateDir);
    host = `127.0.0.1:${started.url.port}`;
  });
  afterAll(async () => {
    await stopUiCli(started?.child);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('prints a loopback link with a one-time token in its fragment, and never logs the token', async () => {
    expect(started.url.hostname).toBe('127.0.0.1');
    const token = new URLSearchParams(started.url.hash.slice(1)).get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // Without a desktop it says why it did not open a browser (after printing the link).
    await vi.waitFor(() => expect(started.stderr()).toContain('could not open a browser'), { timeout: 30_000 });
    expect(started.stderr()).not.toContain(token!);
  });

  it('refuses a foreign Host or Origin before anything else, and the API without the cookie', async () => {
    const url = started.url;
    const rebound = await raw(url, { path: '/', headers: { host: `evil.example:${url.port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('Host');
    const foreign = await raw(url, { method: 'POST', path: '/api/session', headers: { host, origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x' }) });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('Origin');
    expect((await raw(url, { path: '/api/servers', headers: { host } })).status).toBe(401);
    expect((await raw(url, { path: '/api/servers', headers: { host, cookie: 'magsag_ui=guessed' } })).status).toBe(401);
    const wrong = await raw(url, { method: 'POST', path: '/api/session', headers: { host, 'content-type': 'application/json' }, body: JSON.stringify({ token: 'not-the-token' }) });
    expect(wrong.status).toBe(403);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    // The page itself is served with a policy that loads nothing from elsewhere.
    const page = await raw(url, { path: '/', headers: { host } });
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('gives the cookie (HttpOnly, SameSite=Strict, Path=/) once for the token; state changes need POST with JSON', async () => {
    const url = started.url;
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
    const first = await raw(url, { method: 'POST', path: '/api/session', headers: { host, 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(first.status).toBe(200);
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/^magsag_ui=[A-Za-z0-9_-]{40,}; HttpOnly; SameSite=Strict; Path=\/$/);
    const again = await raw(url, { method: 'POST', path: '/api/session', headers: { host, 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(again.status).toBe(403);
    const cookie = setCookie.split(';')[0]!;
    expect((await raw(url, { path: '/api/overview', headers: { host, cookie } })).status).toBe(200);
    const form = await raw(url, { method: 'POST', path: '/api/cancel', headers: { host, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'ticket=aaaaaaaa' });
    expect(form.status).toBe(415);
    expect((await raw(url, { method: 'DELETE', path: '/api/runs', headers: { host, cookie } })).status).toBe(405);
  });
});

describe.skipIf(unavailable)(`magsag ui in a headless browser${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  let child: ChildProcess;
  let url: URL;
  let browser: Browser;
  let page: Page;
  let stateDir: string;
  let echoRun = '';

  beforeAll(async () => {
    // The page as the package's build bundles it (esbuild, a second or two).
    execFileSync(process.execPath, [path.join(repoRoot, 'packages/ui/scripts/buildWeb.mjs')], { stdio: 'inherit' });
    stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-ui-'));
    const started = await startUiCli(stateDir);
    child = started.child;
    url = started.url;
    browser = await chromium.launch({ executablePath: chromiumPath()!, args: chromiumArgs(), headless: true });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    if (screenshots) mkdirSync(path.join(repoRoot, 'docs/images'), { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stopUiCli(child);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const shot = async (name: string): Promise<void> => {
    if (screenshots) await page.screenshot({ path: path.join(repoRoot, 'docs/images', `ui-${name}.png`), fullPage: false });
  };

  it('exchanges the token for an HttpOnly, SameSite=Strict cookie once, then shows the servers', async () => {
    await page.goto(url.href);
    await page.waitForSelector('#servers');
    expect(await page.url()).not.toContain('token=');
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'magsag_ui', httpOnly: true, sameSite: 'Strict', path: '/' })]);
    expect(await page.textContent('#servers')).toContain('everything');
    // The token is spent: the same link cannot log in a second browser.
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
    const again = await raw(url, { method: 'POST', path: '/api/session', headers: { host: `127.0.0.1:${url.port}`, 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(again.status).toBe(403);
  });

  it('tests a server from the page and searches tools at three detail levels with their token cost', async () => {
    await page.click('[data-test="test-everything"]');
    await page.waitForFunction(() => /ok · \d+ tools/.test(document.querySelector('#servers')?.textContent ?? ''));
    await page.fill('#search-query', 'echo a message');
    await page.press('#search-query', 'Enter');
    await page.waitForFunction(() => /costs \d+ tokens/.test(document.querySelector('#search-tokens')?.textContent ?? ''));
    expect(await page.textContent('#search-results')).toContain('everything/echo');
    const summaryCost = Number(/costs (\d+) tokens/.exec((await page.textContent('#search-tokens'))!)![1]);
    await page.selectOption('#search-detail', 'full');
    // Only the full answer carries each tool's typed signature.
    await page.waitForSelector('#search-results .hit pre');
    expect(await page.textContent('#search-results .hit pre')).toContain('message: string');
    const fullCost = Number(/costs (\d+) tokens/.exec((await page.textContent('#search-tokens'))!)![1]);
    expect(fullCost).toBeGreaterThan(summaryCost);
    await shot('servers');
  });

  it('shows type errors from the project\'s checker inline, then runs a program against everything/echo', async () => {
    await page.click('#tab-code');
    await page.waitForSelector('.cm-content');
    await setCode(page, "import { echo } from './servers/everything/echo';\nexport default await echo({ message: 42 });\n");
    await page.waitForSelector('.cm-lintRange-error');
    await page.hover('.cm-lintRange-error');
    await page.waitForSelector('.cm-tooltip-lint');
    expect(await page.textContent('.cm-tooltip-lint')).toContain('number');
    await setCode(page, "import { echo } from './servers/everything/echo';\nconst said = await echo({ message: 'hello from the browser' });\nconsole.log('got', said);\nexport default { said };\n");
    await page.waitForFunction(() => document.querySelectorAll('.cm-lintRange-error').length === 0);
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'done');
    expect(await page.textContent('#model-view')).toContain('hello from the browser');
    await page.waitForFunction(() => /\d+ tokens \(o200k\)/.test(document.querySelector('#model-tokens')?.textContent ?? ''));
    expect(await page.textContent('#section-code #tool-calls')).toContain('everything/echo');
    expect(await page.textContent('.call-args')).toContain('hello from the browser');
    expect(await page.textContent('.call-result')).toContain('hello from the browser');
    expect(await page.textContent('#run-logs')).toContain('got');
    await page.waitForFunction(() => (document.querySelector('#run-limits')?.textContent ?? '').includes('wallMs'));
    echoRun = (JSON.parse((await page.textContent('#run-metrics'))!) as { runId: string }).runId;
    expect(echoRun).toMatch(/^run-/);
    await shot('code');
  });

  it('cancels a long run from the page while its tool call is in flight', async () => {
    // The program marks its workspace just before the long call; the test cancels once it sees that.
    await setCode(
      page,
      "import { triggerLongRunningOperation } from './servers/everything/triggerLongRunningOperation';\nawait workspace.write('started.txt', 'calling');\nexport default await triggerLongRunningOperation({ duration: 100, steps: 100 });\n",
    );
    await page.click('#run');
    await page.waitForSelector('#cancel:not([disabled])');
    const startedIn = (): Promise<string | undefined> =>
      page.evaluate(async () => {
        const get = async (path: string): Promise<unknown> => (await fetch(path)).json();
        const runs = (await get('/api/runs')) as { status: string; workspace: string }[];
        for (const run of runs.filter((r) => r.status === 'running')) {
          const ws = (await get(`/api/workspaces/${run.workspace}`)) as { entries: { path: string }[] };
          if (ws.entries.some((e) => e.path === 'started.txt')) return run.workspace;
        }
        return undefined;
      });
    let workspaceId: string | undefined;
    while ((workspaceId = await startedIn()) === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    await page.click('#cancel');
    await page.waitForFunction(() => (document.querySelector('#run-state')?.textContent ?? '').includes('SANDBOX_CANCELLED'));
    // The call that was in flight is in the record, failed as cancelled.
    const calls = await page.evaluate(async (ws) => {
      const runs = (await (await fetch('/api/runs')).json()) as { workspace: string; runId: string; status: string }[];
      const run = runs.find((r) => r.workspace === ws)!;
      const detail = (await (await fetch(`/api/runs/${ws}/${run.runId}`)).json()) as { record: { status: string; metrics: { toolCalls: { tool: string; ok: boolean }[] } } };
      return { status: detail.record.status, calls: detail.record.metrics.toolCalls.map((c) => ({ tool: c.tool, ok: c.ok })) };
    }, workspaceId);
    expect(calls).toEqual({ status: 'cancelled', calls: [{ tool: 'trigger-long-running-operation', ok: false }] });
  });

  it('holds a call that needs approval in the approval queue until it is approved on the Runs tab', async () => {
    // memory/delete_entities has the policy `approve`; deleting an entity nobody made changes nothing.
    await setCode(page, "import { deleteEntities } from './servers/memory/deleteEntities';\nexport default await deleteEntities({ entityNames: ['magsag-ui-test-nobody'] });\n");
    await page.click('#run');
    await page.click('#tab-runs');
    for (;;) {
      await page.waitForSelector('#approvals h2');
      if ((await page.$('#approvals .approval')) !== null) break;
      // The queue is read when the tab opens: open it again until the request is there.
      await page.click('#tab-code');
      await page.click('#tab-runs');
    }
    expect(await page.textContent('#approvals .approval')).toContain('delete_entities');
    await shot('approvals');
    await page.click('#approvals .approval button.primary');
    await page.waitForFunction(() => (document.querySelector('#approvals h2')?.textContent ?? '').includes('(0)'));
    await page.click('#tab-code');
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'done');
    expect(await page.textContent('#section-code #tool-calls')).toContain('memory/delete_entities');
  });

  it('opens a run from the history with its masked tool calls and its workspace files', async () => {
    await page.click('#tab-runs');
    await page.waitForSelector(`tr[data-run="${echoRun}"]`);
    expect(await page.textContent('#runs')).toContain('cancelled');
    await page.click(`tr[data-run="${echoRun}"]`);
    await page.waitForFunction((id) => (document.querySelector('#run-detail-title')?.textContent ?? '').includes(id), echoRun);
    expect(await page.textContent('#run-detail #tool-calls')).toContain('everything/echo');
    expect(await page.textContent('#run-detail .call-args')).toContain('hello from the browser');
    expect(await page.textContent('#approvals')).toContain('Approvals waiting (0)');
    await shot('runs');
  });

  it('renders a skill\'s SKILL.md, runs it with an example input, and shows the benchmarks as charts', async () => {
    await page.click('#tab-skills');
    await page.click('#skills a:text-is("salary-band-lookup")');
    await page.waitForSelector('#skill-view .markdown h1, #skill-view .markdown h2, #skill-view .markdown p');
    expect(await page.$$eval('#skill-view .markdown script', (s) => s.length)).toBe(0);
    // Its first example input, run like `magsag run salary-band-lookup --example 0`.
    await page.click('#skill-view button:text-is("Run example 1")');
    await page.waitForSelector('#skill-view #model-view');
    expect(await page.textContent('#skill-view #model-view')).toMatch(/succeeded/);
    await shot('skills');
    await page.click('#tab-bench');
    await page.waitForSelector('svg.chart rect');
    // Every benchmark whose JSON the repository keeps in bench/results/ has its chart.
    const shown = await page.textContent('#content');
    for (const [file, title] of [['latest.json', 'bench:mcp'], ['runner.json', 'bench:runner'], ['serve.json', 'bench:serve'], ['replicas.json', 'bench:replicas']] as const) {
      if (existsSync(path.join(repoRoot, 'bench/results', file))) expect(shown, file).toContain(title);
    }
    expect(await page.$$eval('svg.chart', (charts) => charts.length)).toBeGreaterThanOrEqual(4);
    await shot('bench');
  });
});
