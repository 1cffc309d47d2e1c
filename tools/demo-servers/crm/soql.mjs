// A small SOQL subset over in-memory records, enough for demos and tests:
//   SELECT Id, Name, Account.Name | COUNT() FROM Contact
//   [WHERE <cond> [AND|OR <cond>] ... with NOT and parentheses]
//   [ORDER BY <field> [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
// Conditions: = != <> < <= > >= LIKE ('%', '_'), IN (...), NOT IN (...), with 'text', numbers,
// true/false, null and date literals. Field names are case-insensitive, as in Salesforce.

/** A query the engine cannot run; the message names the problem like Salesforce's MALFORMED_QUERY. */
export class SoqlError extends Error {}

function tokenize(text) {
  const tokens = [];
  const re = /\s*(?:('(?:[^'\\]|\\.)*')|(<=|>=|!=|<>|[=<>(),])|([A-Za-z_][\w.]*)|(-?\d+(?:\.\d+)?(?:-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)?))/y;
  let index = 0;
  const source = text.trim();
  while (index < source.length) {
    re.lastIndex = index;
    const m = re.exec(source);
    if (!m) throw new SoqlError(`MALFORMED_QUERY: unexpected input at "${source.slice(index, index + 20)}"`);
    index = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'string', value: m[1].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[2] !== undefined) tokens.push({ kind: 'op', value: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'word', value: m[3] });
    else tokens.push({ kind: 'number', value: m[4] });
    while (index < source.length && /\s/.test(source[index])) index++;
  }
  return tokens;
}

/** Parses a SOQL string into { object, fields, count, where, orderBy, limit, offset }. */
export function parseSoql(text) {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (word, token = peek()) => token?.kind === 'word' && token.value.toUpperCase() === word;
  const expectWord = (word) => {
    if (!isWord(word)) throw new SoqlError(`MALFORMED_QUERY: expected ${word} near "${peek()?.value ?? 'end of query'}"`);
    pos++;
  };
  const expectOp = (op) => {
    if (peek()?.kind !== 'op' || peek().value !== op) throw new SoqlError(`MALFORMED_QUERY: expected "${op}" near "${peek()?.value ?? 'end of query'}"`);
    pos++;
  };
  const fieldName = () => {
    const token = peek();
    if (token?.kind !== 'word') throw new SoqlError(`MALFORMED_QUERY: expected a field name near "${token?.value ?? 'end of query'}"`);
    pos++;
    return token.value;
  };

  expectWord('SELECT');
  const fields = [];
  let count = false;
  if (isWord('COUNT') && tokens[pos + 1]?.value === '(') {
    pos += 2;
    expectOp(')');
    count = true;
  } else {
    for (;;) {
      fields.push(fieldName());
      if (peek()?.value !== ',') break;
      pos++;
    }
  }
  expectWord('FROM');
  const object = fieldName();

  const literal = () => {
    const token = peek();
    pos++;
    if (!token) throw new SoqlError('MALFORMED_QUERY: expected a value at end of query');
    if (token.kind === 'string') return token.value;
    if (token.kind === 'number') return /^-?\d+(\.\d+)?$/.test(token.value) ? Number(token.value) : token.value;
    if (token.kind === 'word') {
      const upper = token.value.toUpperCase();
      if (upper === 'NULL') return null;
      if (upper === 'TRUE') return true;
      if (upper === 'FALSE') return false;
    }
    throw new SoqlError(`MALFORMED_QUERY: expected a value near "${token.value}"`);
  };

  const comparison = () => {
    const field = fieldName();
    let negate = false;
    if (isWord('NOT') && isWord('IN', tokens[pos + 1])) {
      negate = true;
      pos++;
    }
    if (isWord('IN')) {
      pos++;
      expectOp('(');
      const values = [literal()];
      while (peek()?.value === ',') {
        pos++;
        values.push(literal());
      }
      expectOp(')');
      return { type: 'in', field, values, negate };
    }
    if (isWord('LIKE')) {
      pos++;
      return { type: 'like', field, value: literal() };
    }
    const op = peek();
    if (op?.kind !== 'op' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(op.value)) {
      throw new SoqlError(`MALFORMED_QUERY: expected an operator after ${field}`);
    }
    pos++;
    return { type: 'cmp', field, op: op.value === '<>' ? '!=' : op.value, value: literal() };
  };
  const factor = () => {
    if (isWord('NOT')) {
      pos++;
      return { type: 'not', inner: factor() };
    }
    if (peek()?.value === '(') {
      pos++;
      const inner = orExpr();
      expectOp(')');
      return inner;
    }
    return comparison();
  };
  const andExpr = () => {
    let left = factor();
    while (isWord('AND')) {
      pos++;
      left = { type: 'and', left, right: factor() };
    }
    return left;
  };
  const orExpr = () => {
    let left = andExpr();
    while (isWord('OR')) {
      pos++;
      left = { type: 'or', left, right: andExpr() };
    }
    return left;
  };

  let where;
  if (isWord('WHERE')) {
    pos++;
    where = orExpr();
  }
  const orderBy = [];
  if (isWord('ORDER')) {
    pos++;
    expectWord('BY');
    for (;;) {
      const field = fieldName();
      let descending = false;
      let nullsLast = true;
      if (isWord('ASC') || isWord('DESC')) descending = tokens[pos++].value.toUpperCase() === 'DESC';
      if (isWord('NULLS')) {
        pos++;
        nullsLast = isWord('LAST');
        pos++;
      }
      orderBy.push({ field, descending, nullsLast });
      if (peek()?.value !== ',') break;
      pos++;
    }
  }
  let limit;
  let offset;
  if (isWord('LIMIT')) {
    pos++;
    limit = Number(literal());
  }
  if (isWord('OFFSET')) {
    pos++;
    offset = Number(literal());
  }
  if (pos < tokens.length) throw new SoqlError(`MALFORMED_QUERY: unexpected token "${tokens[pos].value}"`);
  return { object, fields, count, where, orderBy, limit, offset };
}

/** Reads `field` (or `Account.Name` through a lookup) from a record, case-insensitively. */
export function getField(record, field, resolveLookup) {
  const parts = field.split('.');
  if (parts.length === 2 && resolveLookup) {
    const parent = resolveLookup(record, parts[0]);
    return parent ? getField(parent, parts[1]) : null;
  }
  const key = Object.keys(record).find((k) => k.toLowerCase() === field.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function compare(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function evaluate(node, record, resolveLookup) {
  switch (node.type) {
    case 'and':
      return evaluate(node.left, record, resolveLookup) && evaluate(node.right, record, resolveLookup);
    case 'or':
      return evaluate(node.left, record, resolveLookup) || evaluate(node.right, record, resolveLookup);
    case 'not':
      return !evaluate(node.inner, record, resolveLookup);
    case 'in': {
      const value = getField(record, node.field, resolveLookup) ?? null;
      const found = node.values.some((v) => (typeof value === 'string' && typeof v === 'string' ? value.toLowerCase() === v.toLowerCase() : value === v));
      return node.negate ? !found : found;
    }
    case 'like': {
      const value = getField(record, node.field, resolveLookup);
      if (typeof value !== 'string') return false;
      const pattern = String(node.value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('%', '.*').replaceAll('_', '.');
      return new RegExp(`^${pattern}$`, 'is').test(value);
    }
    case 'cmp': {
      const value = getField(record, node.field, resolveLookup) ?? null;
      if (node.value === null) return node.op === '=' ? value === null : node.op === '!=' ? value !== null : false;
      if (value === null) return node.op === '!=';
      const both = typeof value === 'string' && typeof node.value === 'string';
      const diff = both && (node.op === '=' || node.op === '!=') ? (value.toLowerCase() === node.value.toLowerCase() ? 0 : 1) : compare(value, node.value);
      if (node.op === '=') return diff === 0;
      if (node.op === '!=') return diff !== 0;
      if (node.op === '<') return diff < 0;
      if (node.op === '<=') return diff <= 0;
      if (node.op === '>') return diff > 0;
      return diff >= 0;
    }
    default:
      throw new SoqlError(`unknown condition ${node.type}`);
  }
}

/**
 * Runs a parsed query over `records` (one object's rows). Returns { totalSize, records } where each
 * record holds the selected fields only, with `Parent.Field` selections nested as { Parent: { Field } }.
 */
export function runSoql(query, records, resolveLookup) {
  let rows = query.where ? records.filter((r) => evaluate(query.where, r, resolveLookup)) : [...records];
  if (query.count) return { totalSize: rows.length, records: [] };
  if (query.orderBy.length > 0) {
    rows.sort((a, b) => {
      for (const { field, descending, nullsLast } of query.orderBy) {
        const x = getField(a, field, resolveLookup) ?? null;
        const y = getField(b, field, resolveLookup) ?? null;
        if (x === null && y === null) continue;
        if (x === null) return nullsLast ? 1 : -1;
        if (y === null) return nullsLast ? -1 : 1;
        const diff = compare(x, y);
        if (diff !== 0) return descending ? -diff : diff;
      }
      return 0;
    });
  }
  rows = rows.slice(query.offset ?? 0, query.limit === undefined ? undefined : (query.offset ?? 0) + query.limit);
  const projected = rows.map((row) => {
    const out = {};
    for (const field of query.fields) {
      const parts = field.split('.');
      if (parts.length === 2) {
        const parent = resolveLookup?.(row, parts[0]);
        const parentKey = parts[0];
        out[parentKey] ??= parent ? {} : null;
        if (parent) out[parentKey][parts[1]] = getField(parent, parts[1]) ?? null;
      } else {
        const key = Object.keys(row).find((k) => k.toLowerCase() === field.toLowerCase()) ?? field;
        out[key] = row[key] ?? null;
      }
    }
    return out;
  });
  return { totalSize: projected.length, records: projected };
}
