import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assertWorkspaceId, MagsagError } from '@magsag/core';
import type { Store } from '@magsag/store';
import { Workspace } from './workspace.ts';

/** The shape of a run id (`run-<UTC timestamp>-<8 hex>`), checked before it touches the disk. */
export const runIdPattern = /^run-\d{8}T\d{6}-[0-9a-f]{8}$/;

/** The largest page `readRunOutput` returns, in characters. */
export const maxOutputPage = 16_384;

/** One page of a run's whole output. */
export interface RunOutputPage {
  workspace: string;
  runId: string;
  /** Characters in the whole output (its masked JSON: ok, result, logs, error, diagnostics). */
  total: number;
  offset: number;
  text: string;
  /** Where the next page starts; absent on the last page. */
  next?: number;
}

/**
 * A page of the masked output a run kept in its workspace (`runs/<runId>/output.json`): what a
 * truncated model view left out. A workspace of another principal is `WORKSPACE_NOT_FOUND`, as
 * everywhere; a run that is not there (or kept no output) is `RUN_NOT_FOUND`.
 */
export function readRunOutput(stateDir: string, workspaceId: string, runId: string, options: { owner?: string; offset?: number; length?: number } = {}): RunOutputPage {
  const { id, offset, length } = checkPage(workspaceId, runId, options);
  const workspace = Workspace.open(stateDir, id, { create: false, ...(options.owner === undefined ? {} : { owner: options.owner }) });
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(readFileSync(path.join(workspace.runDir(runId), 'output.json'), 'utf8')), null, 2);
  } catch (cause) {
    throw runNotFound(id, runId, cause);
  }
  const page = text.slice(offset, offset + length);
  const end = offset + page.length;
  return { workspace: id, runId, total: text.length, offset, text: page, ...(end < text.length ? { next: end } : {}) };
}

/**
 * {@link readRunOutput} from a store: the page only is read (in PostgreSQL, offsets count
 * characters as its `substr` does, code points; `next` is always where the next page starts).
 */
export async function readRunOutputIn(store: Store, workspaceId: string, runId: string, options: { owner?: string; offset?: number; length?: number } = {}): Promise<RunOutputPage> {
  const { id, offset, length } = checkPage(workspaceId, runId, options);
  await store.workspaces.open(id, { create: false, ...(options.owner === undefined ? {} : { owner: options.owner }) });
  const page = await store.runOutputs.page(id, runId, offset, length);
  if (!page) throw runNotFound(id, runId);
  return { workspace: id, runId, total: page.total, offset, text: page.text, ...(page.end < page.total ? { next: page.end } : {}) };
}

function checkPage(workspaceId: string, runId: string, options: { offset?: number; length?: number }): { id: string; offset: number; length: number } {
  const id = assertWorkspaceId(workspaceId, 'workspace');
  if (typeof runId !== 'string' || !runIdPattern.test(runId)) {
    throw new MagsagError('USAGE', `runId "${String(runId)}" is not a run id: it looks like run-20261206T120000-0a1b2c3d (the truncation notice names it).`, { data: { runId } });
  }
  const offset = options.offset ?? 0;
  const length = Math.min(options.length ?? 8192, maxOutputPage);
  if (!Number.isInteger(offset) || offset < 0) throw new MagsagError('USAGE', `offset must be a whole number from 0, got ${String(offset)}.`);
  if (!Number.isInteger(length) || length <= 0) throw new MagsagError('USAGE', `length must be a positive whole number (at most ${maxOutputPage}), got ${String(options.length)}.`);
  return { id, offset, length };
}

function runNotFound(id: string, runId: string, cause?: unknown): MagsagError {
  return new MagsagError('RUN_NOT_FOUND', `Workspace ${id} has no output of run ${runId}. The truncation notice of a run names its id.`, {
    ...(cause === undefined ? {} : { cause }),
    data: { workspace: id, runId },
  });
}
