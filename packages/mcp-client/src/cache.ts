import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServerConfig } from './config/schema.ts';

interface CacheFile {
  version: 1;
  server: string;
  key: string;
  tools: Tool[];
}

/** The key a server's cached tool list is stored under: a hash of its connection fields. */
export function connectionKey(config: ServerConfig): string {
  return createHash('sha256')
    .update(JSON.stringify({ transport: config.transport, fallback: config.fallback }))
    .digest('hex')
    .slice(0, 16);
}

/** Tool lists cached on disk, one file per server, invalidated when the connection fields change. */
export class ToolCache {
  constructor(private readonly dir: string) {}

  private file(server: string): string {
    return path.join(this.dir, 'tools', `${server}.json`);
  }

  /** The cached tools of `config`, or undefined when there is none for its current connection. */
  read(config: ServerConfig): Tool[] | undefined {
    try {
      const data = JSON.parse(readFileSync(this.file(config.id), 'utf8')) as Partial<CacheFile>;
      return data.version === 1 && data.key === connectionKey(config) && Array.isArray(data.tools) ? data.tools : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores `tools` for `config` (atomically: write then rename). */
  write(config: ServerConfig, tools: Tool[]): void {
    const file = this.file(config.id);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const body: CacheFile = { version: 1, server: config.id, key: connectionKey(config), tools };
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  }
}
