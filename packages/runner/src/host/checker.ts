import { MagsagError, isErrorCode } from '@magsag/core';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Diagnostic } from '../result.ts';
import type { CheckRequest, CheckResponse } from './checkerProtocol.ts';
import { forkHelper, setProcessRef } from './forkHelper.ts';
import type { ModuleRoots } from './loader.ts';

/** How long one program may take to type-check before it fails with `SANDBOX_TYPECHECK`. */
export const typecheckBudgetMs = 15_000;

interface Job {
  request: CheckRequest;
  budgetMs: number;
  resolve: (diagnostics: Diagnostic[]) => void;
  reject: (error: MagsagError) => void;
}

/**
 * Type-checks programs in a long-lived child process, one at a time, so the host's event loop
 * (every other client of `serve`) never waits on the TypeScript checker. A check over its time
 * budget ends that process (the only way to stop a check that is running) and fails with
 * `SANDBOX_TYPECHECK`; the next check starts a fresh one.
 */
export class TypeCheckService {
  #child: ChildProcess | undefined;
  #queue: Job[] = [];
  #current: { job: Job; timer: NodeJS.Timeout } | undefined;
  #nextId = 1;

  /** Diagnostics of `source` against the generated modules and skills under `roots`. */
  check(roots: ModuleRoots, source: string, filename: string, budgetMs = typecheckBudgetMs): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request: { id: this.#nextId++, roots, source, filename }, budgetMs, resolve, reject });
      this.#pump();
    });
  }

  /** Checks running or waiting on this process. */
  get load(): number {
    return this.#queue.length + (this.#current ? 1 : 0);
  }

  /** Ends the checker process (idle processes do not keep the host alive; this is for prompt exits). */
  close(): void {
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
  }

  #spawn(): ChildProcess {
    const child = forkHelper('checkerProcess');
    child.stderr?.resume();
    (child.stderr as Socket | null)?.unref?.();
    child.on('error', () => {});
    child.on('message', (response: CheckResponse) => this.#answer(child, response));
    child.once('exit', () => {
      if (this.#child !== child) return;
      this.#child = undefined;
      this.#fail(new MagsagError('INTERNAL', 'The type-checker process exited unexpectedly; the program was not checked. Run it again.'));
    });
    return child;
  }

  #pump(): void {
    if (this.#current) return;
    const job = this.#queue.shift();
    if (!job) {
      this.#setRef(false);
      return;
    }
    this.#child ??= this.#spawn();
    this.#setRef(true);
    const timer = setTimeout(() => {
      const child = this.#child;
      this.#child = undefined;
      child?.kill('SIGKILL');
      this.#fail(
        new MagsagError(
          'SANDBOX_TYPECHECK',
          `The program took longer than ${job.budgetMs} ms to type-check and was not run. Make it shorter: move reusable parts into skills and data into the workspace.`,
          { data: { limit: 'typecheckMs', value: job.budgetMs } },
        ),
      );
    }, job.budgetMs);
    this.#current = { job, timer };
    this.#child.send(job.request);
  }

  #answer(child: ChildProcess, response: CheckResponse): void {
    const current = this.#current;
    if (child !== this.#child || !current || current.job.request.id !== response.id) return;
    clearTimeout(current.timer);
    this.#current = undefined;
    if ('diagnostics' in response) current.job.resolve(response.diagnostics);
    else current.job.reject(new MagsagError(isErrorCode(response.error.code) ? response.error.code : 'INTERNAL', response.error.message, response.error.data ? { data: response.error.data } : {}));
    this.#pump();
  }

  #fail(error: MagsagError): void {
    const current = this.#current;
    if (!current) return;
    clearTimeout(current.timer);
    this.#current = undefined;
    current.job.reject(error);
    this.#pump();
  }

  #setRef(on: boolean): void {
    if (this.#child) setProcessRef(this.#child, on);
  }
}

/**
 * Checker processes side by side (at most two, fewer on one CPU): a program that takes seconds to
 * check holds one of them, and the other programs are checked on the other meanwhile. Each check
 * goes to the process with the fewest checks running or waiting.
 */
export class TypeCheckPool {
  readonly lanes: TypeCheckService[];

  constructor(size = Math.max(1, Math.min(2, availableParallelism()))) {
    this.lanes = Array.from({ length: size }, () => new TypeCheckService());
  }

  /** Diagnostics of `source` against the generated modules and skills under `roots`. */
  check(roots: ModuleRoots, source: string, filename: string, budgetMs = typecheckBudgetMs): Promise<Diagnostic[]> {
    let lane = this.lanes[0]!;
    for (const other of this.lanes) if (other.load < lane.load) lane = other;
    return lane.check(roots, source, filename, budgetMs);
  }

  /** Starts every checker process and loads the standard types for `roots`. */
  warm(roots: ModuleRoots): void {
    for (const lane of this.lanes) lane.check(roots, 'export {};\n', 'warm.ts').catch(() => {});
  }

  /** Ends the checker processes. */
  close(): void {
    for (const lane of this.lanes) lane.close();
  }
}

let shared: TypeCheckPool | undefined;

/** The process-wide type-checkers, started on first use. */
export function typeCheckService(): TypeCheckPool {
  shared ??= new TypeCheckPool();
  return shared;
}

/** Ends the shared checker processes, if they run. */
export function closeTypeCheckService(): void {
  shared?.close();
}

/** Starts the shared checkers and loads the standard types for `roots` ahead of the first run. */
export function warmTypeChecker(roots: ModuleRoots): void {
  typeCheckService().warm(roots);
}

/**
 * Type errors of a program against the generated modules and skills under `roots`, from the same
 * checker processes a run uses (`magsag ui` shows them in its editor before the program runs).
 */
export function checkProgram(roots: ModuleRoots, source: string, filename = 'program.ts'): Promise<Diagnostic[]> {
  return typeCheckService().check(roots, source, filename);
}
