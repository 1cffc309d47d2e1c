// Process trees from /proc (no `ps`, so no helper process is ever counted): what the benches use to
// charge CPU time and memory to a server and everything it started.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times. */
export const clockTicks = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // Linux's usual value.
  }
})();

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export const statFields = (file: string): string[] => {
  const stat = readFileSync(file, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

/** Every process of the tree under `root` (itself included), with its /proc/<pid>/stat fields. */
export function processTree(root: number): Map<number, string[]> {
  const children = new Map<number, number[]>();
  const fieldsOf = new Map<number, string[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = statFields(`/proc/${name}/stat`);
      const pid = Number(name);
      fieldsOf.set(pid, fields);
      const list = children.get(Number(fields[1])) ?? [];
      list.push(pid);
      children.set(Number(fields[1]), list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out = new Map<number, string[]>();
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    const fields = fieldsOf.get(pid);
    if (fields) out.set(pid, fields);
  }
  return out;
}

/** utime + stime of a process from its stat fields, in ms. */
export const cpuMsOf = (fields: string[]): number => ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;

/**
 * CPU time of the whole tree under `root`, in ms: each live process's own time plus that of its
 * children that exited and were waited for (cutime + cstime), so a process that ended between two
 * readings still counts.
 */
export function treeCpuMs(root: number): number {
  let total = 0;
  for (const fields of processTree(root).values()) total += cpuMsOf(fields) + ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
  return total;
}
