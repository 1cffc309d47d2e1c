import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMagsagError, maxLimits } from '@magsag/core';
import { initialProjectConfig, loadProjectConfig, projectConfigSchema, resolveProjectPaths } from '@magsag/mcp-client/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
const noEnv = {};

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'magsag-project-config-'));
  // The parsed-config cache goes here, not into the user's home.
  process.env['XDG_CACHE_HOME'] = path.join(dir, 'cache');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function project(name: string, config: string | undefined): string {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'deep/er'), { recursive: true });
  if (config !== undefined) writeFileSync(path.join(root, 'magsag.config.yaml'), config);
  return root;
}

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isMagsagError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an error');
}

describe('resolveProjectPaths', () => {
  it('walks up to the nearest magsag.config.yaml and resolves its folders against it', () => {
    const root = project('walk', 'folders:\n  servers: config/mcp\n  modules: gen\n  state: var/state\nlimits:\n  wallMs: 60000\n');
    const paths = resolveProjectPaths({ cwd: path.join(root, 'deep/er'), env: noEnv });
    expect(paths).toEqual({
      root,
      configFile: path.join(root, 'magsag.config.yaml'),
      serversDir: path.join(root, 'config/mcp'),
      modulesDir: path.join(root, 'gen'),
      skillsDir: path.join(root, 'skills'),
      stateDir: path.join(root, 'var/state'),
      limits: { wallMs: 60_000 },
      approvals: {},
    });
  });

  it('uses the working directory and the defaults when no config is above it', () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'magsag-no-project-'));
    try {
      expect(resolveProjectPaths({ cwd, env: noEnv })).toMatchObject({ root: cwd, configFile: undefined, serversDir: path.join(cwd, 'mcp'), modulesDir: path.join(cwd, 'servers'), stateDir: path.join(cwd, '.magsag'), limits: {} });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('takes a flag over the environment over the config over the defaults', () => {
    const root = project('precedence', 'folders:\n  servers: from-config\n  state: state-from-config\n');
    const cwd = path.join(root, 'deep');
    expect(resolveProjectPaths({ cwd, env: noEnv }).serversDir).toBe(path.join(root, 'from-config'));
    const env = { MAGSAG_SERVERS_DIR: 'from-env', MAGSAG_STATE_DIR: '/abs/state' };
    expect(resolveProjectPaths({ cwd, env })).toMatchObject({ serversDir: path.join(cwd, 'from-env'), stateDir: '/abs/state' });
    expect(resolveProjectPaths({ cwd, env, serversDir: 'from-flag', stateDir: 'st' })).toMatchObject({ serversDir: path.join(cwd, 'from-flag'), stateDir: path.join(cwd, 'st') });
    // An empty variable is not set.
    expect(resolveProjectPaths({ cwd, env: { MAGSAG_SERVERS_DIR: '' } }).serversDir).toBe(path.join(root, 'from-config'));
  });

  it('takes --project (a folder or its config file) over the walk up, and refuses a folder that does not exist', () => {
    const a = project('pa', 'folders:\n  modules: a-modules\n');
    const b = project('pb', 'folders:\n  modules: b-modules\n');
    expect(resolveProjectPaths({ cwd: a, project: b, env: noEnv }).modulesDir).toBe(path.join(b, 'b-modules'));
    expect(resolveProjectPaths({ cwd: a, project: path.join(b, 'magsag.config.yaml'), env: noEnv }).root).toBe(b);
    expect(resolveProjectPaths({ cwd: a, env: { MAGSAG_PROJECT: b } }).root).toBe(b);
    expect(errorOf(() => resolveProjectPaths({ cwd: a, project: path.join(dir, 'nope'), env: noEnv }))).toMatchObject({ code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('magsag init') });
  });
});

describe('magsag.config.yaml validation', () => {
  it('names the file, the line and the field of every problem', () => {
    const root = project('bad', 'version: 1\nfolders:\n  server: x\nlimits:\n  wallMs: -5\n  memoryMb: 999999\nstore:\n  url: mysql://db/magsag\n  pool: 3\n');
    const { code, message } = errorOf(() => resolveProjectPaths({ cwd: root, env: noEnv }));
    expect(code).toBe('CONFIG_INVALID');
    const file = path.join(root, 'magsag.config.yaml');
    expect(message).toContain(`${file}:3: unknown field "folders.server"`);
    expect(message).toContain(`${file}:5: field "limits.wallMs"`);
    expect(message).toContain(`${file}:6: field "limits.memoryMb"`);
    expect(message).toContain(String(maxLimits.memoryMb));
    expect(message).toContain(`${file}:8: field "store.url"`);
    expect(message).toContain('postgres://');
    expect(message).toContain(`${file}:9: unknown field "store.pool"`);
  });

  it('takes the store URL from --store, else MAGSAG_STORE_URL, else store.url', () => {
    const root = project('store', 'version: 1\nstore:\n  url: postgres://config@db/magsag\n');
    expect(resolveProjectPaths({ cwd: root, env: noEnv }).storeUrl).toBe('postgres://config@db/magsag');
    expect(resolveProjectPaths({ cwd: root, env: { MAGSAG_STORE_URL: 'postgres://env@db/magsag' } }).storeUrl).toBe('postgres://env@db/magsag');
    expect(resolveProjectPaths({ cwd: root, store: 'postgres://flag@db/magsag', env: { MAGSAG_STORE_URL: 'postgres://env@db/magsag' } }).storeUrl).toBe('postgres://flag@db/magsag');
    expect(resolveProjectPaths({ cwd: project('nostore', 'version: 1\n'), env: noEnv }).storeUrl).toBeUndefined();
  });

  it('reports a YAML syntax error at its line, and an empty file means every default', () => {
    const broken = project('syntax', 'folders:\n  servers: [unclosed\n');
    expect(errorOf(() => loadProjectConfig(path.join(broken, 'magsag.config.yaml')))).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/magsag\.config\.yaml:\d+:\d+: YAML syntax error/) });
    const empty = project('empty', '');
    expect(loadProjectConfig(path.join(empty, 'magsag.config.yaml'))).toEqual(projectConfigSchema().parse({}));
  });

  it('validates again when the file changes, even after a valid version was cached', () => {
    const root = project('cached', 'limits:\n  cpuMs: 5000\n');
    const file = path.join(root, 'magsag.config.yaml');
    expect(loadProjectConfig(file).limits).toEqual({ cpuMs: 5000 });
    expect(loadProjectConfig(file).limits).toEqual({ cpuMs: 5000 });
    writeFileSync(file, 'limits:\n  cpuMs: nope\n');
    expect(errorOf(() => loadProjectConfig(file)).code).toBe('CONFIG_INVALID');
    writeFileSync(file, 'limits:\n  cpuMs: 7000\n');
    expect(loadProjectConfig(file).limits).toEqual({ cpuMs: 7000 });
  });

  it('accepts what magsag init writes, with the same folders as the defaults', () => {
    const root = project('initial', initialProjectConfig());
    const paths = resolveProjectPaths({ cwd: root, env: noEnv });
    expect(paths).toMatchObject({ serversDir: path.join(root, 'mcp'), modulesDir: path.join(root, 'servers'), skillsDir: path.join(root, 'skills'), stateDir: path.join(root, '.magsag'), limits: {} });
  });
});
