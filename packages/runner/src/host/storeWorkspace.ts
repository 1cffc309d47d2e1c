import { MagsagError } from '@magsag/core';
import { checkWorkspacePath, type WorkspaceStore } from '@magsag/store';
import type { WorkspaceOp } from '../bridge.ts';
import type { WorkspaceQuota } from '../options.ts';
import type { Workspace } from './workspace.ts';

/**
 * A run's workspace whose calls are asynchronous: a PostgreSQL store's, in this process
 * ({@link StoreWorkspace}) or, in a sandbox worker, the parent's over IPC. The guest's synchronous
 * `workspace.*` calls reach it through an isolated-vm `Reference` called with `applySyncPromise`:
 * the guest waits, the worker's event loop does not.
 */
export interface AsyncWorkspace {
  readonly id: string;
  readonly quota: WorkspaceQuota;
  /** Paths written or removed since the workspace was opened. */
  readonly touched: Set<string>;
  /** One guest workspace call: its value (JSON-serialisable), or a thrown MagsagError. */
  call(op: WorkspaceOp, path: string, data: string | undefined): Promise<unknown>;
}

/** What the sandbox is given: the local workspace (synchronous calls) or an asynchronous one. */
export type SandboxWorkspace = Workspace | AsyncWorkspace;

export function isAsyncWorkspace(workspace: SandboxWorkspace): workspace is AsyncWorkspace {
  return typeof (workspace as Partial<AsyncWorkspace>).call === 'function';
}

/** A workspace of a store (PostgreSQL), as the sandbox calls it. */
export class StoreWorkspace implements AsyncWorkspace {
  readonly touched = new Set<string>();

  constructor(
    readonly store: WorkspaceStore,
    readonly id: string,
    readonly quota: WorkspaceQuota,
  ) {}

  async call(op: WorkspaceOp, path: string, data: string | undefined): Promise<unknown> {
    switch (op) {
      case 'read':
        return this.store.read(this.id, path);
      case 'write': {
        const written = await this.store.write(this.id, path, data ?? '', this.quota);
        this.touched.add(written.path);
        return written;
      }
      case 'list':
        return this.store.entries(this.id, path);
      case 'remove':
        await this.store.delete(this.id, path);
        this.touched.add(checkWorkspacePath(path).rel);
        return null;
      case 'exists':
        return this.store.exists(this.id, path);
      default:
        throw new MagsagError('USAGE', `Unknown workspace operation "${String(op)}".`);
    }
  }
}
