import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertRunIds } from '../runRecords.ts';
import type { RunOutputStore } from '../workspaces.ts';
import { makePrivateDirAsync, workspacesDir, writePrivateFileAsync } from './workspace.ts';

/** Run outputs as they have always been kept: `<stateDir>/workspaces/<id>/runs/<runId>/output.json`, mode 0600. */
export class LocalRunOutputs implements RunOutputStore {
  readonly #stateDir: string;

  constructor(stateDir: string) {
    this.#stateDir = stateDir;
  }

  #dir(workspaceId: string, runId: string): string {
    assertRunIds(workspaceId, runId);
    return path.join(workspacesDir(this.#stateDir), workspaceId, 'runs', runId);
  }

  async put(workspaceId: string, runId: string, json: string): Promise<void> {
    const dir = this.#dir(workspaceId, runId);
    await makePrivateDirAsync(dir);
    await writePrivateFileAsync(path.join(dir, 'output.json'), `${json}\n`);
  }

  async page(workspaceId: string, runId: string, offset: number, length: number): Promise<{ total: number; text: string; end: number } | undefined> {
    const file = path.join(this.#dir(workspaceId, runId), 'output.json');
    let text: string;
    try {
      text = JSON.stringify(JSON.parse(await readFile(file, 'utf8')), null, 2);
    } catch {
      return undefined;
    }
    const page = text.slice(offset, offset + length);
    return { total: text.length, text: page, end: offset + page.length };
  }
}
