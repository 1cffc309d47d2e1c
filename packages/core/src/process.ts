/**
 * True while a process with this pid exists on this host (`EPERM`: it exists but belongs to someone
 * else). A reused pid reads as alive: callers pair it with a heartbeat or an expiry.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
