#!/usr/bin/env node
// The shared demo database: an in-memory PGlite, seeded, served over the PostgreSQL wire protocol by
// pglite-socket with its multiplexer on (several clients at once). Started detached by wrapper.mjs;
// announces itself in <dir>/server.json ({ pid, host, port, url }) and exits on SIGTERM/SIGINT, or
// by itself when server.json disappears or names another process (a `magsag demo reset` removed it).
// PGlite's initdb takes several seconds, so the seeded data directory is cached as a tarball (per
// PGlite and seed version) outside the demo folder, and later starts load it in about two seconds.
// Usage: node dbServer.mjs --dir <state dir> [--cache <dir>] [--max-connections N]
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { writeJson } from '../lib/dataStore.mjs';
import { seedSql, seedVersion } from './seed.mjs';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, cache: { type: 'string' }, 'max-connections': { type: 'string', default: '32' } },
});
if (!values.dir) {
  console.error('usage: node dbServer.mjs --dir <state dir>');
  process.exit(2);
}
const dir = path.resolve(values.dir);
const stateFile = path.join(dir, 'server.json');
const log = (message) => console.error(`[${new Date().toISOString()}] ${message}`);

// The pinned version in our package.json names the cache (pglite does not export its package.json).
const pgliteVersion = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')).dependencies['@electric-sql/pglite'];
const cacheDir = path.resolve(values.cache ?? process.env.MAGSAG_DEMO_POSTGRES_CACHE ?? path.join(import.meta.dirname, '..', 'node_modules', '.cache', 'postgres'));
const cacheFile = path.join(cacheDir, `pglite-${pgliteVersion}-seed-${seedVersion}.tar.gz`);

const started = Date.now();
let db;
let fromCache = false;
if (existsSync(cacheFile)) {
  try {
    db = await PGlite.create({ loadDataDir: new Blob([readFileSync(cacheFile)]) });
    fromCache = (await db.query('SELECT value FROM demo_seed_info WHERE key = $1', ['version'])).rows[0]?.value === seedVersion;
  } catch (error) {
    log(`ignoring unreadable cache ${cacheFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
if (!fromCache) {
  await db?.close().catch(() => {});
  db = await PGlite.create();
  await db.exec(seedSql());
}
log(`database ready (seed version ${seedVersion}, ${fromCache ? `from cache ${cacheFile}` : 'seeded from scratch'}) in ${Date.now() - started} ms`);

const host = '127.0.0.1';
const server = new PGLiteSocketServer({ db, host, port: 0, maxConnections: Number(values['max-connections']) });
await server.start();
const port = Number(server.getServerConn().split(':').pop());
const url = `postgresql://postgres:postgres@${host}:${port}/postgres`;
writeJson(stateFile, { pid: process.pid, host, port, url, seedVersion, startedAt: new Date().toISOString() });
log(`listening on ${host}:${port}`);

if (!fromCache) {
  // After we answer, so the first start is not slower than it must be.
  try {
    const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, dump);
    renameSync(tmp, cacheFile);
    log(`cached the seeded database in ${cacheFile}`);
  } catch (error) {
    log(`could not cache the seeded database: ${error instanceof Error ? error.message : String(error)}`);
  }
}

let stopping = false;
async function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  log(`stopping: ${reason}`);
  clearInterval(watchdog);
  try {
    if (existsSync(stateFile) && JSON.parse(readFileSync(stateFile, 'utf8')).pid === process.pid) rmSync(stateFile, { force: true });
  } catch {
    // a half-written or foreign state file is not ours to remove
  }
  // The database lives in memory: closing it cleanly buys nothing, so do not wait long for the socket server.
  await Promise.race([server.stop().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 300))]);
  process.exit(0);
}

const watchdog = setInterval(() => {
  try {
    if (JSON.parse(readFileSync(stateFile, 'utf8')).pid !== process.pid) void shutdown('server.json names another process');
  } catch {
    void shutdown('server.json is gone');
  }
}, 1000);
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
