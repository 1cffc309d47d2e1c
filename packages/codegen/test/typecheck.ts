import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './helpers.ts';

/**
 * Type-checks `files` with the repo's strict compiler options (tsconfig.base.json), resolving
 * `@magsag/mcp-client` to its source. Returns the diagnostics as `file(line,col): message` lines.
 */
export function typecheck(files: string[]): string[] {
  const config = ts.readConfigFile(path.join(repoRoot, 'tsconfig.base.json'), (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    allowImportingTsExtensions: true,
    paths: { '@magsag/mcp-client': [path.join(repoRoot, 'packages/mcp-client/src/index.ts')] },
  };
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(repoRoot, d.file.fileName)}(${line + 1},${character + 1}): ${message}`;
  });
}
