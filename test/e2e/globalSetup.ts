import { resetDemo } from '@magsag/cli';
import { resolveProjectPaths } from '@magsag/mcp-client';

/** Every test run starts from the committed demo seed, so tests never depend on earlier runs. */
export default function setup(): void {
  resetDemo(resolveProjectPaths({ cwd: import.meta.dirname }));
}
