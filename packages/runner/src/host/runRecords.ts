import { processAlive } from '@magsag/core';
import type { Store } from '@magsag/store';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { makePrivateDir, makePrivateDirAsync, writePrivateFile, writePrivateFileAsync, workspacesDir, type RunRecord, type RunOwner } from './workspace.ts';

/** How often a running run refreshes `heartbeatAt` in its record. */
export const heartbeatIntervalMs = 10_000;

/** A record whose heartbeat is older than this belongs to a process that is gone. */
export const staleHeartbeatMs = 6 * heartbeatIntervalMs;

const processStartedAt = new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString();

/** This process, as the owner of the runs it executes. */
export function currentOwner(): RunOwner {
  return { host: hostname(), pid: process.pid, startedAt: processStartedAt };
}

/** Writes `runs/<runId>/run.json` whole (mode 0600, folders 0700). */
/** {@link writeRunRecord} without blocking the event loop (the run path of a busy server). */
export async function writeRunRecordAsync(runDir: string, record: RunRecord): Promise<void> {
  await makePrivateDirAsync(runDir);
  await writePrivateFileAsync(path.join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
}

export function writeRunRecord(runDir: string, record: RunRecord): void {
  makePrivateDir(runDir);
  writePrivateFile(path.join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * True when the process that owns a `running` record is gone: on this host its pid no longer
 * runs, or (any host, or a pid that was reused) its heartbeat stopped long ago. A record of a
 * live process (another `serve` sharing the state folder) is never taken for gone.
 */
export function ownerGone(record: RunRecord, now = Date.now()): boolean {
  const beat = Date.parse(record.heartbeatAt ?? record.startedAt);
  const stale = !Number.isFinite(beat) || now - beat > staleHeartbeatMs;
  if (!record.owner) return stale;
  if (record.owner.host === hostname() && record.owner.pid !== process.pid && !processAlive(record.owner.pid)) return true;
  if (record.owner.host === hostname() && record.owner.pid === process.pid && record.owner.startedAt === processStartedAt) return false;
  return stale;
}

/**
 * Marks `running` records whose owner is gone as `interrupted` (a `serve` killed mid-run). Returns
 * the run ids it marked. Cost: one directory listing per workspace and one read per run record.
 */
export function markInterruptedRuns(stateDir: string, now = Date.now()): string[] {
  let workspaces;
  try {
    workspaces = readdirSync(workspacesDir(stateDir), { withFileTypes: true });
  } catch {
    return [];
  }
  const root = workspacesDir(stateDir);
  const marked: string[] = [];
  for (const ws of workspaces) {
    if (!ws.isDirectory()) continue;
    const runs = path.join(root, ws.name, 'runs');
    // A workspace removed meanwhile (`workspace clean` beside a starting serve) is simply skipped.
    let names: string[];
    try {
      names = readdirSync(runs);
    } catch {
      continue;
    }
    for (const run of names) {
      const file = path.join(runs, run, 'run.json');
      let record: RunRecord;
      try {
        record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
      } catch {
        continue;
      }
      if (record.status !== 'running' || !ownerGone(record, now)) continue;
      try {
        writeRunRecord(path.dirname(file), { ...record, status: 'interrupted', finishedAt: new Date(now).toISOString() });
      } catch {
        continue;
      }
      marked.push(record.runId);
    }
  }
  return marked;
}

/**
 * {@link markInterruptedRuns} in a store (PostgreSQL, or the local state folder): marks `running`
 * records whose owner is gone as `interrupted`, in every workspace, and returns their run ids. A
 * record whose heartbeat moved since it was read is left alone (its run is alive on some replica).
 */
export function markInterruptedRunsIn(store: Store, now = Date.now()): Promise<string[]> {
  return store.runRecords.markInterrupted((record) => ownerGone(record as RunRecord, now), now);
}
