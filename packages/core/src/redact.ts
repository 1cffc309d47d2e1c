/** Options of {@link redactHostDetails}. */
export interface RedactHostOptions {
  /** The project root: paths under it become relative to it. @default none: they become `<path>` too */
  root?: string | undefined;
  /** Environment whose secret-looking or long values are hidden, and whose HOME, TMPDIR and PWD mark host paths. @default process.env */
  env?: Record<string, string | undefined>;
}

// Top-level folders of common hosts (Linux FHS, macOS, containers): an absolute path starting with
// one is a host path. JSON pointers (`/message`, `/items/0`) and the sandbox's own module ids
// (`/servers/...`) do not start with one and are left alone.
const hostTops = [
  'bin', 'boot', 'dev', 'etc', 'home', 'lib', 'lib32', 'lib64', 'media', 'mnt', 'nix', 'opt', 'proc', 'root', 'run', 'sbin',
  'snap', 'srv', 'sys', 'tmp', 'usr', 'var', 'work', 'workspace', 'workspaces', 'Users', 'Volumes', 'private', 'Library', 'System',
  'Applications',
];

const secretName = /token|secret|passw|passphrase|api_?key|access_?key|private|credential|auth|cookie|session|dsn|(^|_)key$/i;
// Characters that end a path in running text.
const pathChar = String.raw`[^\s'"\x60()\[\]{}<>,;:*?|]`;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function firstSegment(dir: string | undefined): string | undefined {
  return dir?.startsWith('/') ? dir.split('/')[1] || undefined : undefined;
}

function textRedactor(options: RedactHostOptions): (text: string) => string {
  const env = options.env ?? (typeof process === 'undefined' ? {} : process.env);
  const values = Object.entries(env)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !entry[1].startsWith('/'))
    .filter(([name, value]) => (secretName.test(name) && value.length >= 6) || value.length >= 32)
    .sort((a, b) => b[1].length - a[1].length);
  const root = options.root?.replace(/\/+$/, '');
  const rootPattern = root && root.split('/').length > 2 ? new RegExp(`(?:file://)?${escape(root)}(?:/|(?!${pathChar}))`, 'g') : undefined;
  const tops = new Set(hostTops);
  for (const dir of [options.root, env['HOME'], env['TMPDIR'], env['PWD']]) {
    const top = firstSegment(dir);
    if (top) tops.add(top);
  }
  const hostPath = new RegExp(`(?<![\\w.~/-])(?:file://)?/(?:${[...tops].map(escape).join('|')})(?=/|(?!${pathChar}))${pathChar}*`, 'g');
  return (text) => {
    let out = text;
    for (const [name, value] of values) if (out.includes(value)) out = out.split(value).join(`<env ${name}>`);
    out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1<credentials>@');
    if (rootPattern) out = out.replace(rootPattern, (match) => (match.endsWith('/') ? '' : '.'));
    out = out.replace(hostPath, '<path>');
    return out.replace(/(?<!\w)[A-Za-z]:\\[^\s'"`()[\]{}<>,;*?|]*/g, '<path>');
  };
}

function redactWith<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactWith(item, redact)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactWith(item, redact)])) as T;
  }
  return value;
}

/**
 * Removes host details from text that leaves the process (error messages, model views, answers):
 * paths under `root` become relative to it, other absolute host paths (home, temp, system folders)
 * become `<path>`, credentials in URLs become `<credentials>`, and environment values with
 * secret-looking names (or over 31 characters) become `<env NAME>`. Strings inside arrays and plain
 * objects are redacted too; anything else is returned as it is. Keep the unredacted value for the
 * `--verbose` log only.
 */
export function redactHostDetails<T>(value: T, options: RedactHostOptions = {}): T {
  return redactWith(value, textRedactor(options));
}
