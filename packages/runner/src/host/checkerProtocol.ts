import type { Diagnostic } from '../result.ts';
import type { ModuleRoots } from './loader.ts';

/** The host asks the checker process to type-check one program. */
export interface CheckRequest {
  id: number;
  roots: ModuleRoots;
  source: string;
  filename: string;
}

/** The checker's answer: the diagnostics, or why it could not check. */
export type CheckResponse = { id: number; diagnostics: Diagnostic[] } | { id: number; error: { code: string; message: string; data?: Record<string, unknown> } };
