import { readFile } from 'node:fs/promises';
import { MagsagError } from '@magsag/core';

/** Reads a file argument, or stdin for `-` or no argument. Relative paths are from the working directory. */
export async function readInput(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) throw new MagsagError('USAGE', 'Nothing to read: pass a file, or pipe text into stdin.');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new MagsagError(code === 'ENOENT' ? 'USAGE' : 'CONFIG_INVALID', `Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}.`, {
      cause,
      data: { file },
    });
  }
}

/** `--input` (or another JSON flag): inline JSON, or `@file` to read JSON from a file. */
export async function parseInputFlag(value: string, flag = '--input'): Promise<unknown> {
  const text = value.startsWith('@') ? await readInput(value.slice(1)) : value;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MagsagError('USAGE', `${flag} is not valid JSON${value.startsWith('@') ? ` (in ${value.slice(1)})` : ''}: ${(cause as Error).message}. Quote it for your shell, e.g. ${flag} '{"role":"engineer"}'.`, { cause });
  }
}
