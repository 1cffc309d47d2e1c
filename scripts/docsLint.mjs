// `pnpm docs:lint`: markdownlint over every Markdown file, then what it does not check: relative
// links and their #anchors resolve, and every page under docs/ has valid frontmatter.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { parse as parseYaml } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const skip = new Set(['node_modules', 'dist', '.magsag', '.git', 'servers', 'corpus']);

const lint = spawnSync(process.execPath, [path.join(root, 'node_modules/markdownlint-cli2/markdownlint-cli2-bin.mjs')], { cwd: root, stdio: 'inherit' });
const problems = [];

function markdownFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    if (skip.has(name)) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

/** Markdown without fenced code blocks and inline code, line numbers kept. */
function prose(text) {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, '');
  });
}

const anchorCache = new Map();
function anchors(file) {
  if (!anchorCache.has(file)) {
    const slugger = new GithubSlugger();
    const set = new Set();
    for (const line of prose(readFileSync(file, 'utf8'))) {
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (heading) set.add(slugger.slug(heading[1]));
    }
    anchorCache.set(file, set);
  }
  return anchorCache.get(file);
}

const rel = (file) => path.relative(root, file);

for (const file of markdownFiles(root)) {
  const text = readFileSync(file, 'utf8');
  prose(text).forEach((line, index) => {
    for (const match of line.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, mailto:, ...
      const [filePart, anchor] = target.split('#', 2);
      const resolved = filePart ? path.resolve(path.dirname(file), decodeURIComponent(filePart)) : file;
      if (!existsSync(resolved)) {
        problems.push(`${rel(file)}:${index + 1}: link target "${target}" does not exist`);
      } else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
        problems.push(`${rel(file)}:${index + 1}: link "${target}": no heading with anchor #${anchor} in ${rel(resolved)}`);
      }
    }
  });
  if (rel(file).startsWith(`docs${path.sep}`)) {
    const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
    if (!front) {
      problems.push(`${rel(file)}:1: missing frontmatter (--- title, description, last_updated ---)`);
      continue;
    }
    let data;
    try {
      data = parseYaml(front[1]);
    } catch (error) {
      problems.push(`${rel(file)}:1: frontmatter is not valid YAML: ${error.message}`);
      continue;
    }
    for (const key of ['title', 'description']) {
      if (typeof data?.[key] !== 'string' || data[key].trim() === '') problems.push(`${rel(file)}:1: frontmatter needs a non-empty "${key}"`);
    }
    const updated = data?.last_updated;
    if (!(updated instanceof Date || /^\d{4}-\d{2}-\d{2}$/.test(String(updated ?? '')))) {
      problems.push(`${rel(file)}:1: frontmatter "last_updated" must be a date (YYYY-MM-DD)`);
    }
  }
}

// The generated reference must match the code.
const reference = spawnSync(process.execPath, ['--no-node-snapshot', '--conditions=magsag-source', '--import', 'tsx', path.join(root, 'scripts/docsReference.ts'), '--check'], {
  cwd: root,
  encoding: 'utf8',
});
if (reference.status !== 0) problems.push(reference.stderr.trim() || 'docs/reference check failed');

for (const problem of problems) console.error(problem);
if (problems.length > 0) console.error(`docs:lint: ${problems.length} problem(s) beyond markdownlint; fix them as described.`);
process.exitCode = lint.status !== 0 || problems.length > 0 ? 1 : 0;
