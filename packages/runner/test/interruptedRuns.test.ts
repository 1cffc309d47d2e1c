import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markInterruptedRuns } from '../src/index.ts';

const stateDir = mkdtempSync(path.join(tmpdir(), 'magsag-interrupted-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function record(ws: string, runId: string, status: string, pid: number): string {
  const dir = path.join(stateDir, 'workspaces', ws, 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString();
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ runId, status, startedAt: now, heartbeatAt: now, owner: { host: hostname(), pid, startedAt: now } }));
  return path.join(dir, 'run.json');
}

describe('markInterruptedRuns', () => {
  it('marks the running records of a process that is gone, keeps the rest, and skips what is not a run folder', () => {
    // A pid far above any pid_max is never alive.
    const gone = record('ws-a', 'run-20261206T000000-0000000a', 'running', 2 ** 30);
    const alive = record('ws-a', 'run-20261206T000000-0000000b', 'running', process.pid === 1 ? 2 : 1);
    const done = record('ws-b', 'run-20261206T000000-0000000c', 'ok', 2 ** 30);
    mkdirSync(path.join(stateDir, 'workspaces', 'ws-no-runs'), { recursive: true });
    // A `runs` that is a file (or that vanished meanwhile) makes listing it fail: that workspace is skipped.
    mkdirSync(path.join(stateDir, 'workspaces', 'ws-odd'), { recursive: true });
    writeFileSync(path.join(stateDir, 'workspaces', 'ws-odd', 'runs'), 'not a folder');
    expect(markInterruptedRuns(stateDir)).toEqual(['run-20261206T000000-0000000a']);
    expect(JSON.parse(readFileSync(gone, 'utf8'))).toMatchObject({ status: 'interrupted', finishedAt: expect.any(String) });
    expect(JSON.parse(readFileSync(alive, 'utf8'))).toMatchObject({ status: 'running' });
    expect(JSON.parse(readFileSync(done, 'utf8'))).toMatchObject({ status: 'ok' });
    expect(markInterruptedRuns(path.join(stateDir, 'nowhere'))).toEqual([]);
  });
});
