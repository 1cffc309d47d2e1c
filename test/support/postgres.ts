// A throwaway PostgreSQL cluster for tests: `initdb` in a temp folder, `pg_ctl start` on a loopback
// port (and a unix socket in the same folder), stopped and removed by `stop()`. Node built-ins
// only, so package tests and test/e2e share it. PostgreSQL's server binaries refuse to run as
// root; as root (CI) they run as the `postgres` user through `runuser`, in a folder chowned to it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

/** The Debian package that brings `initdb`, `pg_ctl` and `postgres`. */
export const postgresPackage = 'postgresql';

/** A running throwaway cluster. */
export interface TestPostgres {
  /** `postgres://magsag@127.0.0.1:<port>/magsag` (trust authentication, loopback only). */
  url: string;
  host: string;
  port: number;
  /** The folder holding the data directory, the socket and the log. */
  dir: string;
  /** The server's major version, e.g. 15. */
  version: number;
  /** Stops the server (fast shutdown) and removes the folder. */
  stop(): Promise<void>;
  /** Creates another database on the cluster and returns its URL. */
  createDatabase(name: string): string;
  /** Creates a database of a fresh name (`<prefix>_<pid>_<n>`) and returns its URL. */
  freshDatabase(prefix?: string): string;
  /** Stops the server but keeps its data: the store "goes away" until {@link resume}. */
  pause(): void;
  /** Starts the paused server again on the same port, with its data. */
  resume(): void;
}

interface Tools {
  bin: string;
  /** The unprivileged user to run as when this process is root. */
  runAs?: { user: string; uid: number; gid: number };
}

function run(file: string, args: string[]): string | undefined {
  const out = spawnSync(file, args, { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

function findBin(): string | undefined {
  const has = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(path.join(dir, name)));
  const configured = run('pg_config', ['--bindir']);
  if (configured && has(configured)) return configured;
  // pg_config may belong to libpq-dev alone; Debian's server binaries live in /usr/lib/postgresql/<v>/bin.
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(root, v, 'bin')).find(has);
}

let found: { tools?: Tools; missing?: string } | undefined;
let warned = false;

function tools(): { tools?: Tools; missing?: string } {
  if (found) return found;
  const bin = findBin();
  const install = `install Debian's \`${postgresPackage}\` package (apt-get install -y ${postgresPackage}) to run them`;
  if (!bin) return (found = { missing: `PostgreSQL's initdb, pg_ctl and postgres were not found (neither \`pg_config --bindir\` nor /usr/lib/postgresql/<v>/bin): ${install}.` });
  if (process.getuid?.() !== 0) return (found = { tools: { bin } });
  const uid = run('id', ['-u', 'postgres']);
  const gid = run('id', ['-g', 'postgres']);
  if (!uid || !gid || !existsSync('/usr/sbin/runuser')) {
    return (found = { missing: `running as root, and PostgreSQL refuses root: there is no \`postgres\` user (or no runuser) to run it as; ${install}, which creates the user.` });
  }
  return (found = { tools: { bin, runAs: { user: 'postgres', uid: Number(uid), gid: Number(gid) } } });
}

/**
 * Why the PostgreSQL tests cannot run here, or `undefined` when they can. With
 * `MAGSAG_REQUIRE_POSTGRES=1` (set by .ci/run) a missing PostgreSQL is an error, not a skip.
 */
export function postgresUnavailable(): string | undefined {
  const { missing } = tools();
  if (!missing) return undefined;
  if (process.env['MAGSAG_REQUIRE_POSTGRES'] === '1') throw new Error(`MAGSAG_REQUIRE_POSTGRES=1 but ${missing}`);
  if (!warned) process.stderr.write(`\nSKIPPED: the PostgreSQL tests, because ${missing}\n\n`);
  warned = true;
  return `skipped: ${missing}`;
}

function exec(t: Tools, name: string, args: string[]): void {
  const file = path.join(t.bin, name);
  const [cmd, argv] = t.runAs ? ['/usr/sbin/runuser', ['-u', t.runAs.user, '--', file, ...args]] : [file, args];
  try {
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, { cause: error });
  }
}

/**
 * Starts a fresh cluster (superuser `magsag`, database `magsag`). Call {@link postgresUnavailable}
 * first and skip with its message when it returns one.
 */
let databases = 0;

export async function startPostgres(): Promise<TestPostgres> {
  const t = tools().tools;
  if (!t) throw new Error(postgresUnavailable());
  const dir = mkdtempSync(path.join(tmpdir(), 'magsag-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  if (t.runAs) chownSync(dir, t.runAs.uid, t.runAs.gid);
  let started = false;
  try {
    exec(t, 'initdb', ['-D', data, '-U', 'magsag', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // fsync off: a crash loses the cluster, which a test throws away anyway.
    const settings = ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', `-c unix_socket_directories=${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=50'];
    let port = 0;
    // Another process may take the free port between the probe and the start: try a few.
    for (let attempt = 0; !started; attempt++) {
      port = await freePort();
      try {
        exec(t, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', [...settings, `-p ${port}`].join(' '), 'start']);
        started = true;
      } catch (error) {
        if (attempt >= 2) throw new Error(`${(error as Error).message}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`, { cause: error });
      }
    }
    exec(t, 'pg_ctl', ['-D', data, '-w', 'status']);
    const startOnPort = (): void => void exec(t, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', [...settings, `-p ${port}`].join(' '), 'start']);
    const version = Number(readFileSync(path.join(data, 'PG_VERSION'), 'utf8').trim());
    const made = (name: string): string => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a database name: ${name}`);
      createDatabase(t, dir, port, name);
      return `postgres://magsag@127.0.0.1:${port}/${name}`;
    };
    createDatabase(t, dir, port);
    let stopped = false;
    // A test process that ends without stop() (a failed beforeAll, a crash) takes its cluster with it.
    const onExit = (): void => {
      if (stopped) return;
      stopped = true;
      try {
        exec(t, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already down.
      }
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    return {
      url: `postgres://magsag@127.0.0.1:${port}/magsag`,
      host: '127.0.0.1',
      port,
      dir,
      version,
      createDatabase: made,
      freshDatabase(prefix = 'db') {
        return made(`${prefix}_${process.pid}_${++databases}`);
      },
      pause() {
        exec(t, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      },
      resume() {
        startOnPort();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', onExit);
        try {
          exec(t, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
        } catch {
          // Paused, or already down.
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    if (started) {
      try {
        exec(t, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already down.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function createDatabase(t: Tools, dir: string, port: number, name = 'magsag'): void {
  // createdb talks to the server over its socket, as the cluster's superuser.
  exec(t, 'createdb', ['-h', dir, '-p', String(port), '-U', 'magsag', name]);
}
