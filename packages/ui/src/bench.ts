import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The benchmark files the Benchmarks tab reads, under `<project>/bench/results/`. */
export const benchFiles = {
  /** `pnpm bench:mcp` writes it. */
  mcp: 'latest.json',
  /** `pnpm bench:runner` writes it. */
  runner: 'runner.json',
  /** `pnpm bench:serve` writes it. */
  serve: 'serve.json',
  /** `pnpm bench:replicas` writes it. */
  replicas: 'replicas.json',
} as const;

/** Each benchmark's JSON document, when the project has it (none: the tab is hidden). */
export function readBench(root: string): Partial<Record<keyof typeof benchFiles, unknown>> {
  const out: Partial<Record<keyof typeof benchFiles, unknown>> = {};
  for (const [key, file] of Object.entries(benchFiles) as [keyof typeof benchFiles, string][]) {
    const full = path.join(root, 'bench', 'results', file);
    if (!existsSync(full)) continue;
    try {
      out[key] = JSON.parse(readFileSync(full, 'utf8')) as unknown;
    } catch {
      // A half-written or hand-edited file: that chart is left out.
    }
  }
  return out;
}
