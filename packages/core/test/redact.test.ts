import { describe, expect, it } from 'vitest';
import { redactHostDetails } from '@magsag/core';

const env = { HOME: '/home/ada', TMPDIR: '/scratch/tmp', GITHUB_TOKEN: 'ghp_0123456789abcdef', SHORT_TOKEN: 'abc', LANG: 'C.UTF-8' };
const redact = (text: string, root = '/work/project'): string => redactHostDetails(text, { root, env });

describe('redactHostDetails', () => {
  it('makes paths under the project root relative to it', () => {
    expect(redact('No skill "x" in /work/project/skills. Known skills: a.')).toBe('No skill "x" in skills. Known skills: a.');
    expect(redact("Tool denied by denyTools in /work/project/tools/adk/servers/everything.yaml.")).toBe('Tool denied by denyTools in tools/adk/servers/everything.yaml.');
    expect(redact('at file:///work/project/packages/runner/src/host/loader.ts:126:21')).toBe('at packages/runner/src/host/loader.ts:126:21');
    expect(redact("cwd is '/work/project'")).toBe("cwd is '.'");
    expect(redact('/work/project-old/secrets.txt')).toBe('<path>');
  });

  it('replaces the home folder, temp folders and other host paths with <path>', () => {
    expect(redact("ENOENT: no such file or directory, open '/home/ada/.ssh/id_rsa'")).toBe("ENOENT: no such file or directory, open '<path>'");
    expect(redact('EEXIST: file already exists, mkdir /tmp/magsag-x/workspaces')).toBe('EEXIST: file already exists, mkdir <path>');
    expect(redact('state in /scratch/tmp/x (see /etc/hosts, /usr/lib/node)')).toBe('state in <path> (see <path>, <path>)');
    expect(redact('    at Object.transpileModule (/work/project/node_modules/typescript/lib/typescript.js:145986:10)')).toBe(
      '    at Object.transpileModule (node_modules/typescript/lib/typescript.js:145986:10)',
    );
    expect(redact('open C:\\Users\\ada\\file.txt failed')).toBe('open <path> failed');
    expect(redactHostDetails('see /home/ada/x', { env })).toBe('see <path>');
    expect(redactHostDetails('see /work/project/x', { env })).toBe('see <path>');
  });

  it('leaves JSON pointers, sandbox module ids, URLs and relative paths alone', () => {
    for (const text of [
      '  - /message: must be string\n  - /entities/0/name: must be string',
      'Import "./servers/everything/echo.ts" (servers/everything/echo.ts:3:4)',
      'see https://example.com/home/docs and http://localhost:6274/tmp',
      'a/b and 1/2 and and/or; /servers/github/listIssues',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('hides environment values with secret-looking names and credentials in URLs', () => {
    expect(redact('401 for token ghp_0123456789abcdef')).toBe('401 for token <env GITHUB_TOKEN>');
    expect(redact('abc and C.UTF-8 stay')).toBe('abc and C.UTF-8 stay');
    expect(redact('cannot reach postgres://app:s3cret@db.internal:5432/main')).toBe('cannot reach postgres://<credentials>@db.internal:5432/main');
  });

  it('redacts strings inside arrays and plain objects, and nothing else', () => {
    const date = new Date(0);
    const redacted = redactHostDetails({ message: '/home/ada/x', data: { file: '/work/project/a.ts', list: ['/tmp/y', 3, null], date } }, { root: '/work/project', env });
    expect(redacted).toEqual({ message: '<path>', data: { file: 'a.ts', list: ['<path>', 3, null], date } });
    expect(redacted.data.date).toBe(date);
  });
});
