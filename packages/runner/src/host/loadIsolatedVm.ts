import { MagsagError } from '@magsag/core';
import { createRequire } from 'node:module';
import type IsolatedVm from 'isolated-vm';

/**
 * The isolated-vm builds the runner ships, one optional dependency per Node major. Each wrapper's
 * `engines` makes npm and pnpm install it only on its major, so an install builds one native addon.
 */
export const isolatedVmBuilds = [
  { pkg: '@magsag/isolated-vm-node20', major: 20, version: '5.0.4' },
  { pkg: '@magsag/isolated-vm-node22', major: 22, version: '6.1.2' },
  { pkg: '@magsag/isolated-vm-node24', major: 24, version: '7.0.1' },
] as const;

const require = createRequire(import.meta.url);
let loaded: typeof IsolatedVm | undefined;

/**
 * Loads the isolated-vm that works in this process: the build for this Node major first, then the
 * others, then a plain `isolated-vm` the user installed (e.g. on a Node major we do not ship one for).
 * A build for another Node fails to load (its ABI differs), so the first that loads is the right one.
 */
export function loadIsolatedVm(): typeof IsolatedVm {
  if (loaded) return loaded;
  const major = Number(process.versions.node.split('.')[0]);
  const own = isolatedVmBuilds.filter((b) => b.major === major);
  const others = isolatedVmBuilds.filter((b) => b.major !== major).reverse();
  const failures: string[] = [];
  for (const name of [...own.map((b) => b.pkg), ...others.map((b) => b.pkg), 'isolated-vm']) {
    try {
      loaded = require(name) as typeof IsolatedVm;
      return loaded;
    } catch (error) {
      failures.push(`${name}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    }
  }
  const wanted = own[0] ?? isolatedVmBuilds.at(-1)!;
  throw new MagsagError(
    'SANDBOX_UNAVAILABLE',
    `No isolated-vm build loads in Node ${process.version}, so programs cannot run in the sandbox. ` +
      `Install the build for this Node: \`npm install isolated-vm@${wanted.version}\` (it compiles from source where no prebuilt binary fits; ` +
      'set npm_config_nodedir to a folder with include/node/node.h to build offline). Tried: ' +
      failures.join('; '),
    { data: { node: process.version, tried: failures } },
  );
}
