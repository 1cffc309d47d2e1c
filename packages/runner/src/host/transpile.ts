import ts from 'typescript';
import type { Diagnostic } from '../result.ts';

/** A module transpiled to a CommonJS-style function body, as plain data (it crosses a thread). */
export interface TranspileOutput {
  code: string;
  /** The source map (JSON text) from `code` back to the source. */
  mapText: string;
  /** Literal import specifiers and where they start in the source. */
  imports: { specifier: string; pos: number }[];
  /** Syntax errors, at 1-based lines and columns of `fileName`. */
  diagnostics: Diagnostic[];
}

const compilerOptions: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  sourceMap: true,
  inlineSources: false,
};

/** Turns compiler diagnostics into ours, at 1-based lines and columns. */
export function toDiagnostics(diagnostics: readonly ts.Diagnostic[], file: string): Diagnostic[] {
  return diagnostics.map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
    return { file, line: at.line + 1, column: at.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, '\n'), tsCode: d.code };
  });
}

/**
 * Transpiles TypeScript (or JavaScript) for the sandbox, with a source map back to `source`.
 *
 * TypeScript, not esbuild: programs use top-level `await` and the sandbox loads each module as a
 * CommonJS-style function body, and esbuild refuses to emit CommonJS with top-level await (see
 * docs/performance.md). The cost is kept off the host's main thread instead (transpiler.ts).
 */
export function transpileSource(source: string, fileName: string, displayName = fileName): TranspileOutput {
  const output = ts.transpileModule(source, { compilerOptions, fileName, reportDiagnostics: true });
  const code = output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  const imports = ts.preProcessFile(source, true, true).importedFiles.map((f) => ({ specifier: f.fileName, pos: f.pos }));
  return { code, mapText: output.sourceMapText ?? '{"mappings":""}', imports, diagnostics: toDiagnostics(output.diagnostics ?? [], displayName) };
}
