// Lists the demo notes through the filesystem MCP server, filters them in code and returns ten
// lines: the directory listing never passes through the model, only the ten lines do.
//   pnpm magsag exec examples/listNotes.ts
import { listAllowedDirectories } from './servers/filesystem/listAllowedDirectories';
import { listDirectory } from './servers/filesystem/listDirectory';

const allowed = await listAllowedDirectories();
const root = allowed.content
  .split('\n')
  .map((line) => line.trim())
  .find((line) => line.startsWith('/'));
if (!root) throw new Error('the filesystem server reports no allowed directory');

const listing = await listDirectory({ path: `${root}/notes` });
const files = listing.content
  .split('\n')
  .filter((line) => line.startsWith('[FILE]'))
  .map((line) => line.replace('[FILE] ', ''));
console.log(`${files.length} notes in the demo folder`);

export default files
  .filter((name) => name.startsWith('design-') || name.startsWith('incident-'))
  .sort()
  .slice(0, 10)
  .map((name, i) => `${i + 1}. ${name.replace(/\.md$/, '')}`);
