import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the URL a `magsag serve --http` child prints (`listening on http://…`) and a reader
 * of everything it wrote on stderr; rejects with that stderr if it exits first.
 */
export function untilListening(child: ChildProcess, name = 'magsag serve'): Promise<{ url: URL; stderr: () => string }> {
  let seen = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\S+)/.exec(seen);
      if (match) resolve({ url: new URL(match[1]!), stderr: () => seen });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${seen.slice(-2000)}`)));
  });
}
