import { builtEntryFile } from '@magsag/core';
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const hostDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * The built JavaScript of a helper entry (`sandboxProcess`, `checkerProcess`, `transpileThread`):
 * this package's own when it runs built, the fresh build in `dist` when it runs from source, or
 * `null` when there is no usable build.
 */
export function builtHelperFile(name: string): string | null {
  return builtEntryFile(import.meta.url, name);
}

/**
 * Starts one of the runner's helper processes (`sandboxProcess`, `checkerProcess`) from built
 * JavaScript: this package's own when it is built, else (running from source) the fresh build in
 * `dist`, and only when there is none from the TypeScript sources through tsx (about 0.4 s more per
 * process). isolated-vm needs `--no-node-snapshot` on Node 20.
 */
export function forkHelper(name: 'sandboxProcess' | 'checkerProcess'): ChildProcess {
  const execArgv = ['--no-node-snapshot'];
  let entry = builtHelperFile(name);
  if (entry === null) {
    entry = path.join(hostDir, `${name}.ts`);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    execArgv.push('--conditions=magsag-source', '--import', tsx);
  }
  return fork(entry, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
}

/** Lets an idle helper process (and its IPC channel) stop keeping the host alive, or makes it count again. */
export function setProcessRef(child: ChildProcess, on: boolean): void {
  const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined;
  if (on) {
    child.ref();
    channel?.ref?.();
  } else {
    child.unref();
    channel?.unref?.();
  }
}
