import { describe, expect, it } from 'vitest';
import { maxReportedTypeErrors, typeErrorReport } from '../src/host/execute.ts';

describe('typeErrorReport', () => {
  it('spells out each error with the program line it points at, caps the list and counts the rest', () => {
    const source = Array.from({ length: 15 }, (_, i) => `const v${i}: string = ${i};`).join('\n');
    const diagnostics = Array.from({ length: 15 }, (_, i) => ({ file: 'p.ts', line: i + 1, column: 7, message: "Type 'number' is not assignable to type 'string'." }));
    const report = typeErrorReport(diagnostics, source, 'p.ts');
    expect(report).toContain('The program has 15 type errors:');
    expect(report).toContain("  p.ts:1:7 Type 'number' is not assignable to type 'string'.\n    const v0: string = 0;");
    expect(report).toContain(`p.ts:${maxReportedTypeErrors}:7`);
    expect(report).not.toContain(`p.ts:${maxReportedTypeErrors + 1}:7`);
    expect(report).toContain(`...and ${15 - maxReportedTypeErrors} more.`);
  });

  it('shows no code line for an error in another module, and indents a multi-line message', () => {
    const report = typeErrorReport([{ file: 'skills/x/index.ts', line: 2, column: 1, message: 'first line\nsecond line' }], 'export default 1;', 'p.ts');
    expect(report).toBe("The program has 1 type error:\n  skills/x/index.ts:2:1 first line\n    second line\nFix them and run it again; each tool's types are in its module (read_tool, or servers/<server>/<tool>.ts).");
  });
});
