import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const demoServersDir = path.resolve(import.meta.dirname, '..');
export const seedDir = path.resolve(demoServersDir, '../adk/demo-data');

/** A temporary copy of a committed seed file, so tests never touch the seed itself. */
export function tempCopy(relative: string): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'magsag-demo-'));
  const file = path.join(dir, path.basename(relative));
  copyFileSync(path.join(seedDir, relative), file);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `node <script> ...args` as a real MCP server over stdio and connects the SDK's client to it. */
export async function connect(script: string, args: string[], env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(demoServersDir, script), ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'demo-servers-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content;
  if (!Array.isArray(content)) throw new Error(`no content in ${JSON.stringify(result)}`);
  const first: unknown = content[0];
  if (typeof first !== 'object' || first === null || (first as { type?: unknown }).type !== 'text') throw new Error(`no text block in ${JSON.stringify(result)}`);
  return String((first as { text: unknown }).text);
}

/** The JSON a tool answered with. */
export function jsonOf<T = unknown>(result: unknown): T {
  return JSON.parse(textOf(result)) as T;
}

export function isError(result: unknown): boolean {
  return (result as { isError?: unknown }).isError === true;
}
