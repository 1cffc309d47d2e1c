import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** Every test run starts from the committed demo seed (`magsag demo reset`), so no test depends on an earlier run. */
export default function setup(): void {
  execFileSync(process.execPath, ['--conditions=magsag-source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'demo', 'reset'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
