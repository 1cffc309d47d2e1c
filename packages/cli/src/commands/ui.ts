import { readFileSync } from 'node:fs';
import { findSkill, loadSkills } from '@magsag/catalog';
import { checkProgram, listWorkspacesIn, markInterruptedRunsIn, readRunOutputIn, showWorkspaceIn } from '@magsag/runner';
import type { UiDeps } from '@magsag/ui';
import type { CliContext } from '../context.ts';
import { queueApprover } from '../approvals/queue.ts';
import { createTransportGuard } from '../serve/transportGuard.ts';
import { readCatalog } from '../tools/catalog.ts';
import { searchTools } from '../tools/search.ts';
import { decideApproval, listApprovals } from './approvals.ts';
import { runProgram, runSkill } from './exec.ts';
import { listServers, testServers } from './servers.ts';

/** The principal the page's runs ask approvals as (the queue's entries name it). */
export const uiPrincipal = 'ui';

/**
 * What `magsag ui` serves, wired to the same functions as the commands: `servers list|test`,
 * `tools search`, `exec` (runProgram: the PII masker, the store, run records), `workspace show`,
 * `approvals` and `run`. A call whose policy is `approve` waits in the store's approval queue, where
 * the page's Runs tab (or `magsag approvals approve`) answers it.
 */
export async function uiDeps(ctx: CliContext): Promise<UiDeps> {
  await ctx.loadClient();
  const store = await ctx.store();
  await ctx.loadPii();
  // As serve does: a shared store's vault key is checked now, and runs whose process died show as
  // `interrupted` in the history rather than `running`.
  await ctx.pii.ready();
  await markInterruptedRunsIn(store);
  const roots = { serversDir: ctx.generatedDir, skillsDir: ctx.skillsDir };
  const approve = queueApprover(store.approvals, uiPrincipal);
  const skillList = () =>
    loadSkills(ctx.skillsDir).skills.map((sk) => ({ name: sk.name, description: sk.meta.description, inputs: sk.meta.inputs, servers: [...new Set(sk.meta.servers.map((x) => x.server))] }));
  return {
    root: ctx.paths.root,
    createGuard: ({ host, port }) => createTransportGuard({ host, port }),
    servers: async () => listServers(ctx.client),
    testServer: async (id) => (await testServers(ctx.client, [id]))[0],
    tools: async () => readCatalog(ctx.generatedDir).map((t) => ({ server: t.server, tool: t.tool, function: t.function, summary: t.summary, signature: t.signature, ...(t.policy ? { policy: t.policy } : {}) })),
    search: async (query, options) => searchTools(readCatalog(ctx.generatedDir), query, { ...options, skills: skillList() }) as never,
    typecheck: (code) => checkProgram(roots, code, 'ui.ts'),
    run: ({ code, signal }) => runProgram(ctx, { code, filename: 'ui.ts' }, { approve }, signal),
    runSkill: ({ name, input, signal }) => runSkill(ctx, findSkill(ctx.skillsDir, name), input, { approve }, signal),
    workspaces: () => listWorkspacesIn(store),
    workspace: (id) => showWorkspaceIn(store, id) as never,
    runOutput: (workspace, runId) => readRunOutputIn(store, workspace, runId),
    approvals: () => listApprovals(store.approvals),
    decideApproval: (id, approved) => decideApproval(store.approvals, id, { approved }),
    skills: async () =>
      loadSkills(ctx.skillsDir).skills.map((sk) => ({
        name: sk.name,
        description: sk.meta.description,
        version: sk.meta.version,
        servers: [...new Set(sk.meta.servers.map((x) => x.server))],
        inputs: sk.meta.inputs,
        examples: sk.meta.examples.map((ex) => ({ input: ex.input, description: ex.title })),
        markdown: readFileSync(sk.file, 'utf8'),
      })),
  };
}
