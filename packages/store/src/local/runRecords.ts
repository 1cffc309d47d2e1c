import { assertWorkspaceId } from '@magsag/core';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertRunIds, interruptedRecord, type RunRecordStore, type StoredRunRecord } from '../runRecords.ts';

/** Mode of the folders and files the store makes in the state folder (as the runner's). */
const dirMode = 0o700;
const fileMode = 0o600;

/**
 * Run records as they have always been kept: `<stateDir>/workspaces/<workspaceId>/runs/<runId>/run.json`,
 * pretty-printed JSON, mode 0600 in folders of mode 0700, written to a temporary file and renamed.
 */
export class LocalRunRecords<R extends StoredRunRecord = StoredRunRecord> implements RunRecordStore<R> {
  readonly #workspaces: string;

  constructor(stateDir: string) {
    this.#workspaces = path.join(stateDir, 'workspaces');
  }

  #file(workspaceId: string, runId: string): string {
    return path.join(this.#workspaces, workspaceId, 'runs', runId, 'run.json');
  }

  async put(record: R): Promise<void> {
    assertRunIds(record.workspaceId, record.runId);
    await this.#write(this.#file(record.workspaceId, record.runId), record);
  }

  async #write(file: string, record: R): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: dirMode });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: fileMode });
    await fs.rename(temp, file);
  }

  async get(workspaceId: string, runId: string): Promise<R | undefined> {
    assertRunIds(workspaceId, runId);
    return this.#read(this.#file(workspaceId, runId));
  }

  async list(workspaceId: string): Promise<R[]> {
    assertWorkspaceId(workspaceId, 'workspace');
    const runs = path.join(this.#workspaces, workspaceId, 'runs');
    const records: R[] = [];
    for (const runId of (await names(runs)).sort()) {
      // A run killed while writing its record is skipped rather than failing the listing.
      const record = await this.#read(path.join(runs, runId, 'run.json'));
      if (record) records.push(record);
    }
    return records;
  }

  async markInterrupted(gone: (record: R) => boolean | Promise<boolean>, now = Date.now()): Promise<string[]> {
    const marked: string[] = [];
    for (const workspaceId of await names(this.#workspaces)) {
      // A workspace removed meanwhile (`workspace clean` beside a starting serve) is simply skipped.
      for (const runId of await names(path.join(this.#workspaces, workspaceId, 'runs'))) {
        const file = path.join(this.#workspaces, workspaceId, 'runs', runId, 'run.json');
        const record = await this.#read(file);
        if (!record || record.status !== 'running' || !(await gone(record))) continue;
        // Read again just before writing: a heartbeat that landed meanwhile means the run is alive.
        const again = await this.#read(file);
        if (!again || again.status !== 'running' || again.heartbeatAt !== record.heartbeatAt) continue;
        try {
          // Back to the file it came from, whatever ids the record itself holds (as markInterruptedRuns did).
          await this.#write(file, interruptedRecord(again, now));
        } catch {
          continue;
        }
        marked.push(record.runId);
      }
    }
    return marked;
  }

  async #read(file: string): Promise<R | undefined> {
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as R;
    } catch {
      return undefined;
    }
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
