/** A decoded source map: generated (line, column) → original (line, column), all 0-based. */
export interface SourceMapLookup {
  original(line: number, column: number): { line: number; column: number } | undefined;
}

const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64Values = new Map([...base64].map((char, index) => [char, index]));

type Segment = [generatedColumn: number, originalLine: number, originalColumn: number];

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let originalLine = 0;
  let originalColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let generatedColumn = 0;
    for (const segmentText of lineText.split(',')) {
      if (!segmentText) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segmentText) {
        const digit = base64Values.get(char) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generatedColumn += values[0] ?? 0;
      if (values.length >= 4) {
        originalLine += values[2] ?? 0;
        originalColumn += values[3] ?? 0;
        segments.push([generatedColumn, originalLine, originalColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** Parses a v3 source map (one source, as `ts.transpileModule` writes it); decoding waits for the first lookup. */
export function parseSourceMap(text: string): SourceMapLookup {
  let lines: Segment[][] | undefined;
  return {
    original(line, column) {
      lines ??= decodeMappings((JSON.parse(text) as { mappings: string }).mappings);
      for (let l = line; l >= 0 && l > line - 3; l--) {
        const segments = lines[l];
        if (!segments || segments.length === 0) continue;
        let best: Segment | undefined;
        for (const segment of segments) {
          if (l === line && segment[0] > column) break;
          best = segment;
        }
        best ??= segments[0];
        if (best) return { line: best[1], column: l === line ? best[2] + Math.max(0, column - best[0]) : best[2] };
      }
      return undefined;
    },
  };
}
