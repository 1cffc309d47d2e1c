import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SavedSkill, SaveSkillOptions } from '@magsag/catalog';
import { type ErrorCode, MagsagError } from '@magsag/core';

type Answer = { ok: true; saved: SavedSkill } | { ok: false; error: { code: ErrorCode; message: string; data?: Record<string, unknown> } };

/**
 * `saveSkill` of `@magsag/catalog` in a child process of its own (`saveSkillProcess`), so that its
 * type-check never blocks `serve`. Built JavaScript runs built; from the sources (tests, `pnpm
 * magsag` in this repository) the child runs them through tsx, like the parent.
 */
export function saveSkillInProcess(options: SaveSkillOptions): Promise<SavedSkill> {
  const isSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(isSource ? './saveSkillProcess.ts' : './saveSkillProcess.js', import.meta.url));
  const execArgv = isSource ? ['--conditions=magsag-source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const child = fork(entry, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  return new Promise<SavedSkill>((resolve, reject) => {
    let answered = false;
    child.once('message', (message: Answer) => {
      answered = true;
      if (message.ok) resolve(message.saved);
      else reject(new MagsagError(message.error.code, message.error.message, message.error.data ? { data: message.error.data } : {}));
    });
    child.once('error', (cause) => reject(new MagsagError('INTERNAL', `The process that saves skills did not start: ${cause.message}`, { cause })));
    child.once('exit', (code) => {
      if (!answered) reject(new MagsagError('INTERNAL', `The process that saves skills exited (${code}) without an answer.${stderr ? ` ${stderr.trim().split('\n')[0]}` : ''}`));
    });
    child.send(options);
  });
}
