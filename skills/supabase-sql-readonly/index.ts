import { query } from '../../servers/postgres/query.ts';

export interface Input {
  sql: string;
  maxRows?: number;
}

export interface Output {
  rowCount: number;
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  csv: string;
}

/** SQL with comments, string literals, quoted identifiers and dollar-quoted bodies blanked out. */
export function stripQuoted(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out += ' ';
    } else if (rest.startsWith('/*')) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      do {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < sql.length);
      out += ' ';
    } else if (dollar) {
      const end = sql.indexOf(dollar[0], i + dollar[0].length);
      i = end === -1 ? sql.length : end + dollar[0].length;
      out += " '' ";
    } else if (rest[0] === "'" || rest[0] === '"') {
      const quote = rest[0];
      const escapes = quote === "'" && /[eE]$/.test(out);
      i++;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
        else if (sql[i] === quote) break;
        else i++;
      }
      i++;
      out += quote === "'" ? " '' " : ' "" ';
    } else {
      out += sql[i];
      i++;
    }
  }
  return out;
}

const forbidden = /\b(insert|update|delete|merge|upsert|truncate|create|drop|alter|grant|revoke|copy|call|do|vacuum|analyze|cluster|reindex|refresh|comment|lock|set|reset|listen|notify|prepare|execute|into|security|begin|commit|rollback|savepoint)\b/i;

/** Refuses anything but one SELECT/WITH statement; returns the statement without a trailing `;`. */
export function checkReadOnly(sql: string): string {
  const stripped = stripQuoted(sql).trim().replace(/;\s*$/, '');
  if (stripped.includes(';')) throw new Error('Only one statement is allowed: remove everything after the first ";".');
  const first = /^\(*\s*([A-Za-z]+)/.exec(stripped)?.[1]?.toLowerCase();
  if (first !== 'select' && first !== 'with') throw new Error(`Only SELECT or WITH queries are allowed; this one starts with "${first ?? stripped.slice(0, 10)}".`);
  const bad = forbidden.exec(stripped);
  if (bad) throw new Error(`Read-only queries cannot use "${bad[1]!.toUpperCase()}".`);
  return sql.trim().replace(/;\s*$/, '');
}

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** A short, stable name for the CSV: FNV-1a of the SQL. */
const hash = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};

export default async function run(input: Input): Promise<Output> {
  const sql = checkReadOnly(input.sql);
  const rows = await query({ sql });
  const columns = rows.length ? Object.keys(rows[0]!) : [];
  const csv = [columns.map(csvCell).join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(','))].join('\n') + '\n';
  const file = `sql/${hash(sql)}.csv`;
  await workspace.write(file, csv);
  const maxRows = input.maxRows ?? 10;
  return { rowCount: rows.length, columns, rows: rows.slice(0, maxRows), truncated: rows.length > maxRows, csv: file };
}
