#!/usr/bin/env node
// The `postgres` server's command: makes sure a seeded database is up, then runs the official
// @modelcontextprotocol/server-postgres on it (stdin/stdout pass straight through).
//
//   node wrapper.mjs [serve]   ensure the database, then run the official server (what the YAML runs)
//   node wrapper.mjs start     ensure the database and print { url, pid, port, reused } as JSON
//   node wrapper.mjs status    print the running database, if any, as JSON
//   node wrapper.mjs stop      stop the shared database
//   node wrapper.mjs seed-sql  print the seed SQL (to load it into your own PostgreSQL)
// Options: --dir <state dir> (or MAGSAG_DEMO_POSTGRES_DIR; default .magsag/demo/postgres).
//
// With DATABASE_URL set, `serve` uses that database and starts nothing. Otherwise one embedded PGlite
// (dbServer.mjs) is started detached and shared by every wrapper through <dir>/server.json, guarded by
// <dir>/start.lock while it starts; a state file whose process is gone is detected and replaced.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seedSql } from './seed.mjs';

const { values, positionals } = parseArgs({ options: { dir: { type: 'string' } }, allowPositionals: true });
const command = positionals[0] ?? 'serve';
const dir = path.resolve(values.dir ?? process.env.MAGSAG_DEMO_POSTGRES_DIR ?? path.join('.magsag', 'demo', 'postgres'));
const stateFile = path.join(dir, 'server.json');
const lockFile = path.join(dir, 'start.lock');
const logFile = path.join(dir, 'server.log');
const dbServerScript = path.join(import.meta.dirname, 'dbServer.mjs');
const startTimeoutMs = 60_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** On Linux, make sure a live pid is really our database and not a recycled pid of something else. */
function isOurDbServer(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dbServer.mjs');
  } catch {
    return process.platform !== 'linux' && isAlive(pid);
  }
}

function readState() {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    return typeof state.pid === 'number' && typeof state.port === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function liveState() {
  const state = readState();
  if (state && isAlive(state.pid) && isOurDbServer(state.pid) && (await canConnect(state.host, state.port))) return state;
  return undefined;
}

/** An exclusive lock file holding our pid; a lock whose holder is gone (or older than a start can take) is broken. */
async function withLock(fn) {
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + startTimeoutMs + 10_000;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder = NaN;
      let age = 0;
      try {
        holder = Number(readFileSync(lockFile, 'utf8'));
        age = Date.now() - statSync(lockFile).mtimeMs;
      } catch {
        continue; // released between our open and read: try again
      }
      if (!Number.isInteger(holder) || !isAlive(holder) || age > startTimeoutMs + 5_000) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockFile} (held by pid ${holder}). Remove it if that process is gone.`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    try {
      if (Number(readFileSync(lockFile, 'utf8')) === process.pid) rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  }
}

/** Returns the running database, starting it first when none is up. */
async function ensureDatabase() {
  const running = await liveState();
  if (running) return { ...running, reused: true };
  return withLock(async () => {
    const again = await liveState();
    if (again) return { ...again, reused: true };
    const stale = readState();
    if (stale) {
      // A process that is ours but does not answer is stuck: stop it before replacing it.
      if (isAlive(stale.pid) && isOurDbServer(stale.pid)) process.kill(stale.pid, 'SIGTERM');
      rmSync(stateFile, { force: true });
    }
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, [dbServerScript, '--dir', dir], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    let exited;
    child.once('exit', (code, signal) => (exited = { code, signal }));
    child.unref();
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) break;
      const state = readState();
      if (state?.pid === child.pid && (await canConnect(state.host, state.port))) return { ...state, reused: false };
      await sleep(100);
    }
    if (!exited) child.kill('SIGTERM');
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(
      `The demo database did not start (${exited ? `exited with ${exited.code ?? exited.signal}` : `no answer within ${startTimeoutMs} ms`}). ` +
        `Log ${logFile}:\n${tail}\nSet DATABASE_URL to use your own PostgreSQL instead.`,
    );
  });
}

async function stopDatabase() {
  const state = readState();
  if (!state) return { stopped: false, reason: 'no database is running' };
  if (isAlive(state.pid) && isOurDbServer(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    // It removes server.json once it has stopped listening; freeing the WebAssembly heap afterwards
    // takes another second or two, which nobody needs to wait for.
    const deadline = Date.now() + 5000;
    while (readState()?.pid === state.pid && isAlive(state.pid) && Date.now() < deadline) await sleep(50);
    if (readState()?.pid === state.pid && isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  rmSync(stateFile, { force: true });
  return { stopped: true, pid: state.pid, port: state.port };
}

function serverPostgresEntry() {
  return createRequire(import.meta.url).resolve('@modelcontextprotocol/server-postgres/dist/index.js');
}

async function serve() {
  const url = process.env.DATABASE_URL || (await ensureDatabase()).url;
  const child = spawn(process.execPath, [serverPostgresEntry(), url], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const print = (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

try {
  switch (command) {
    case 'serve':
      await serve();
      break;
    case 'start':
      print(await ensureDatabase());
      break;
    case 'status':
      print((await liveState()) ?? { running: false, dir });
      break;
    case 'stop':
      print(await stopDatabase());
      break;
    case 'seed-sql':
      process.stdout.write(seedSql());
      break;
    default:
      console.error(`Unknown command "${command}". Use serve, start, status, stop or seed-sql.`);
      process.exit(2);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
