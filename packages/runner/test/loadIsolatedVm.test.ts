import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedVmBuilds, loadIsolatedVm } from '../src/host/loadIsolatedVm.ts';

const readJson = <T>(file: string): T => JSON.parse(readFileSync(path.join(import.meta.dirname, file), 'utf8')) as T;

describe('loadIsolatedVm', () => {
  it('loads an isolated-vm that runs code in this Node', async () => {
    const ivm = loadIsolatedVm();
    const isolate = new ivm.Isolate({ memoryLimit: 16 });
    try {
      const context = await isolate.createContext();
      expect(await context.eval('6 * 7')).toBe(42);
    } finally {
      isolate.dispose();
    }
  });

  it('knows one wrapper per Node major, each pinning the isolated-vm its package installs, all optional dependencies of the runner', () => {
    for (const build of isolatedVmBuilds) {
      const manifest = readJson<{ name: string; engines: { node: string }; optionalDependencies: Record<string, string> }>(`../../isolated-vm/node${build.major}/package.json`);
      expect(manifest.name).toBe(build.pkg);
      expect(manifest.optionalDependencies['isolated-vm']).toBe(build.version);
      expect(manifest.engines.node).toMatch(new RegExp(`>=${build.major}`));
    }
    const runner = readJson<{ optionalDependencies: Record<string, string> }>('../package.json');
    expect(Object.keys(runner.optionalDependencies).sort()).toEqual(isolatedVmBuilds.map((b) => b.pkg).sort());
  });
});
