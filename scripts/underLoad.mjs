#!/usr/bin/env node
// Runs a command beside N CPU-bound processes, the way a busy CI machine or a laptop compiling
// something else would: `node scripts/underLoad.mjs 6 pnpm verify`. The hogs end with the command.
import { spawn } from 'node:child_process';

const [countArg, command, ...args] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 0 || !command) {
  console.error('usage: node scripts/underLoad.mjs <hogs> <command> [args...]   e.g. node scripts/underLoad.mjs 6 pnpm verify');
  process.exit(2);
}
const hogs = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const hog of hogs) hog.kill('SIGKILL');
};
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopHogs();
    process.exit(130);
  });
}
console.error(`underLoad: ${count} CPU-bound processes running beside \`${[command, ...args].join(' ')}\``);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  stopHogs();
  process.exit(code ?? (signal ? 1 : 0));
});
