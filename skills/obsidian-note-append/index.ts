import { createDirectory } from '../../servers/vault/createDirectory.ts';
import { listAllowedDirectories } from '../../servers/vault/listAllowedDirectories.ts';
import { readTextFile } from '../../servers/vault/readTextFile.ts';
import { writeFile } from '../../servers/vault/writeFile.ts';

export interface Input {
  path: string;
  content: string;
  heading?: string;
}

export interface Output {
  path: string;
  bytesWritten: number;
  created: boolean;
}

/** UTF-8 byte length without Buffer or TextEncoder (neither exists in the sandbox). */
const utf8Bytes = (text: string): number => encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, 'x').length;

/** The note's path inside the vault, or an error that says why it is refused. */
export function confine(notePath: string): string {
  const clean = notePath.replace(/\\/g, '/').trim();
  if (clean.startsWith('/') || /^[A-Za-z]:/.test(clean)) throw new Error(`path "${notePath}" is absolute; give it relative to the vault root`);
  const parts = clean.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`path "${notePath}" leaves the vault ("..")`);
  if (parts.length === 0 || !parts[parts.length - 1]!.endsWith('.md')) throw new Error(`path "${notePath}" is not a Markdown note (.md)`);
  return parts.join('/');
}

export default async function run(input: Input): Promise<Output> {
  const relative = confine(input.path);
  const roots = (await listAllowedDirectories()).content.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/'));
  const root = roots[0];
  if (!root) throw new Error('the vault server reports no root folder');
  const full = `${root}/${relative}`;

  let existing: string | undefined;
  try {
    existing = (await readTextFile({ path: full })).content;
  } catch {
    existing = undefined;
  }
  const block = `${input.heading ? `## ${input.heading}\n\n` : ''}${input.content.endsWith('\n') ? input.content : `${input.content}\n`}`;
  const addition = existing === undefined || existing === '' ? block : `${existing.endsWith('\n') ? '' : '\n'}\n${block}`;
  if (existing === undefined && relative.includes('/')) {
    await createDirectory({ path: `${root}/${relative.slice(0, relative.lastIndexOf('/'))}` });
  }
  await writeFile({ path: full, content: (existing ?? '') + addition });
  return { path: relative, bytesWritten: utf8Bytes(addition), created: existing === undefined };
}
