// Entry of the transpiler's worker threads (transpiler.ts): one task is one module.
import { transpileSource, type TranspileOutput } from './transpile.ts';

export default function transpileTask(task: { source: string; fileName: string; displayName: string }): TranspileOutput {
  return transpileSource(task.source, task.fileName, task.displayName);
}
