import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const isSource = import.meta.url.endsWith('.ts');

/**
 * Starts one of the runner's helper processes (`sandboxProcess`, `checkerProcess`) from built
 * JavaScript, or from the TypeScript sources through tsx when the runner itself runs from source
 * (tests, `pnpm magsag` in this repository). isolated-vm needs `--no-node-snapshot` on Node 20.
 */
export function forkHelper(name: 'sandboxProcess' | 'checkerProcess'): ChildProcess {
  const entry = fileURLToPath(new URL(`./${name}.${isSource ? 'ts' : 'js'}`, import.meta.url));
  const execArgv = ['--no-node-snapshot'];
  if (isSource) {
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
