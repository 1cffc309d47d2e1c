import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, isErrorCode, MagsagError, toMagsagError } from '@magsag/core';

describe('error codes', () => {
  it('every code is listed in SSOT.md with its exit status', () => {
    const ssot = readFileSync(path.resolve(import.meta.dirname, '../../../SSOT.md'), 'utf8');
    for (const [code, { exitCode }] of Object.entries(errorCodes)) {
      expect(ssot, `SSOT.md lacks ${code}`).toContain(`| \`${code}\` | ${exitCode} |`);
    }
  });

  it('MagsagError keeps code, data and cause, and serializes to { code, message, data }', () => {
    const cause = new Error('root');
    const error = new MagsagError('TOOL_TIMEOUT', 'took too long', { cause, data: { timeoutMs: 5 } });
    expect(error).toBeInstanceOf(Error);
    expect(error.cause).toBe(cause);
    expect(error.exitCode).toBe(1);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'TOOL_TIMEOUT', message: 'took too long', data: { timeoutMs: 5 } });
    expect(new MagsagError('CONFIG_INVALID', 'x').exitCode).toBe(2);
  });

  it('toMagsagError wraps foreign errors and keeps ours', () => {
    const ours = new MagsagError('USAGE', 'x');
    expect(toMagsagError(ours)).toBe(ours);
    const wrapped = toMagsagError(new TypeError('boom'));
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.message).toBe('boom');
    expect(isErrorCode('TOOL_ERROR')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});
