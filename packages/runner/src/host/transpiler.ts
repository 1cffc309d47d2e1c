import { MagsagError, watchThreadFailure } from '@magsag/core';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import Tinypool from 'tinypool';
import { builtHelperFile } from './forkHelper.ts';
import type { TranspileOutput } from './transpile.ts';

/** How long transpiling one module may take before the run fails with `SANDBOX_TYPECHECK`. */
export const transpileBudgetMs = 15_000;

/** Transpiled modules kept, by the hash of their name and text (skills and programs run again). */
const cacheEntries = 256;
const cacheChars = 16 * 1024 * 1024;
const cache = new Map<string, TranspileOutput>();
let cachedChars = 0;

function remember(key: string, output: TranspileOutput): void {
  const size = output.code.length + output.mapText.length;
  if (size > cacheChars / 4) return;
  cache.set(key, output);
  cachedChars += size;
  for (const [oldKey, old] of cache) {
    if (cache.size <= cacheEntries && cachedChars <= cacheChars) break;
    cache.delete(oldKey);
    cachedChars -= old.code.length + old.mapText.length;
  }
}

let pool: Tinypool | null | undefined;
let watch: ReturnType<typeof watchThreadFailure> | undefined;

/**
 * The worker threads that transpile (TypeScript's emitter costs about 8 ms for a small program and
 * seconds for a large one: never on the host's main thread). `null` when the runner runs from its
 * sources with no fresh build (tests while the sources change): then transpiling happens inline.
 */
function threads(): Tinypool | null {
  if (pool === undefined) {
    const file = builtHelperFile('transpileThread');
    // Built JavaScript needs none of the caller's loader flags: a worker given `--import tsx`
    // resolves tsx from the process's working folder, which in a user's folder has none, and the
    // thread's load error then took the whole `serve` process down.
    pool = file === null ? null : new Tinypool({ filename: file, minThreads: 0, maxThreads: Math.max(1, Math.min(2, availableParallelism())), idleTimeout: 60_000, execArgv: [] });
    // A thread that fails (it cannot start, or dies) is not used again: transpiling goes inline. Its
    // pending task is given up (tinypool never settles it).
    watch = pool === null ? undefined : watchThreadFailure(pool);
  }
  return watch?.broken ? null : pool;
}

/** Starts a transpiler thread (loading TypeScript takes about half a second) ahead of the first run. */
export function warmTranspiler(): void {
  const tinypool = threads();
  if (tinypool) void Promise.race([tinypool.run({ source: '', fileName: 'warm.ts', displayName: 'warm.ts' }), watch!.failed]).catch(() => {});
}

/** Ends the transpiler threads (they end by themselves after a minute idle). */
export async function closeTranspiler(): Promise<void> {
  const tinypool = pool;
  pool = undefined;
  if (tinypool) await tinypool.destroy();
}

/**
 * Transpiles one module for the sandbox: from the cache when the same text was transpiled
 * before, else on a worker thread within {@link transpileBudgetMs}.
 */
export async function transpileModule(source: string, fileName: string, displayName = fileName): Promise<TranspileOutput> {
  const key = createHash('sha256').update(fileName).update('\0').update(displayName).update('\0').update(source).digest('hex');
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const tinypool = threads();
  let output: TranspileOutput;
  if (tinypool === null) {
    const { transpileSource } = await import('./transpile.ts');
    output = transpileSource(source, fileName, displayName);
  } else {
    try {
      output = (await Promise.race([tinypool.run({ source, fileName, displayName }, { signal: AbortSignal.timeout(transpileBudgetMs) }), watch!.failed])) as TranspileOutput;
    } catch (error) {
      if (watch?.broken) {
        // The thread failed, not the program: transpile here.
        const { transpileSource } = await import('./transpile.ts');
        output = transpileSource(source, fileName, displayName);
        remember(key, output);
        return output;
      }
      if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
        throw new MagsagError('SANDBOX_TYPECHECK', `${displayName} took longer than ${transpileBudgetMs} ms to transpile and was given up: make the program shorter.`, {
          data: { limit: 'transpileMs', value: transpileBudgetMs },
        });
      }
      throw error;
    }
  }
  remember(key, output);
  return output;
}
