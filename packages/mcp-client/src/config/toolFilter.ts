import picomatch from 'picomatch';
import type { ServerConfig } from './schema.ts';

/** True when `tool` passes the server's `allowTools` / `denyTools` globs. */
export function isToolAllowed(config: Pick<ServerConfig, 'allowTools' | 'denyTools'>, tool: string): boolean {
  if (config.allowTools && !picomatch.isMatch(tool, config.allowTools)) return false;
  if (config.denyTools && picomatch.isMatch(tool, config.denyTools)) return false;
  return true;
}
