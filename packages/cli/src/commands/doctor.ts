import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeTransport, type McpClient, type ProjectPaths } from '@magsag/mcp-client';
import { execute } from '@magsag/runner';

/** One finding of `magsag doctor`. */
export interface DoctorCheck {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  /** What to do, when the status is not ok. */
  fix?: string;
}

function onPath(command: string, envPath = process.env['PATH'] ?? ''): boolean {
  if (command.includes('/')) return existsSync(command);
  return envPath.split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Checks what MAGSAG needs, without starting any server: Node, isolated-vm, the server YAML, each
 * stdio server's command and files, the tool caches, the generated modules and the demo data.
 * Each finding says what to fix.
 */
export async function runDoctor(client: McpClient, paths: ProjectPaths, generatedDir: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push(
    major > 20 || (major === 20 && minor >= 19)
      ? { check: 'node', status: 'ok', message: `Node ${process.version}` }
      : { check: 'node', status: 'fail', message: `Node ${process.version} is too old`, fix: 'Install Node 20.19 or newer (or 22+).' },
  );
  // A real trivial run in a real isolate, in a sandbox process as every run: proves isolated-vm is
  // built for this Node and loads there.
  const probe = await execute({ code: 'export default 6 * 7;', typecheck: false, root: paths.root, stateDir: paths.stateDir, createWorkspace: true, workspace: 'doctor' });
  checks.push(
    probe.ok && probe.result === 42
      ? { check: 'isolated-vm', status: 'ok', message: 'a sandbox run works' }
      : {
          check: 'isolated-vm',
          status: 'fail',
          message: `a sandbox run failed: ${probe.error?.message.split('\n')[0] ?? 'unexpected result'}`,
          fix: probe.error?.code === 'SANDBOX_UNAVAILABLE' ? probe.error.message : 'Run `npm run setup` (it builds isolated-vm from source with npm_config_nodedir pointing at your Node headers).',
        },
  );
  let servers;
  try {
    servers = client.servers();
  } catch (error) {
    checks.push({ check: 'config', status: 'fail', message: (error as Error).message, fix: 'Run `magsag init` here (it creates the servers folder), or set folders.servers in magsag.config.yaml.' });
    return checks;
  }
  const errors = client.configErrors();
  checks.push(
    errors.length === 0
      ? { check: 'config', status: 'ok', message: `${servers.length} server definition(s) in ${paths.serversDir}` }
      : { check: 'config', status: 'fail', message: errors.map((e) => e.message).join('\n'), fix: 'Fix each file as its message says, then run `magsag servers list`.' },
  );
  for (const server of servers.filter((s) => s.enabled)) {
    const t = server.transport;
    if (t.type === 'stdio') {
      if (!onPath(t.command)) {
        checks.push({ check: `server:${server.id}`, status: 'fail', message: `command "${t.command}" not found`, fix: `Install it or fix transport.command in ${server.file}.` });
        continue;
      }
      const missing = t.args.filter((a) => path.isAbsolute(a) && !existsSync(a));
      if (missing.length > 0) {
        checks.push({
          check: `server:${server.id}`,
          status: 'fail',
          message: `missing path(s): ${missing.join(', ')}`,
          fix: missing.some((m) => m.includes('node_modules'))
            ? 'Install the server package (npm install), or fix the path in the YAML.'
            : existsSync(path.join(paths.root, 'tools', 'adk', 'demo-data')) && missing.some((m) => m.startsWith(path.join(paths.stateDir, 'demo')))
              ? 'Run `magsag demo reset` to recreate the demo data.'
              : `Create it, or fix the path in ${server.file}.`,
        });
        continue;
      }
    }
    const warm = client.isCacheWarm(server.id);
    checks.push({
      check: `server:${server.id}`,
      status: warm ? 'ok' : 'warn',
      message: `${describeTransport(t)}; tool cache ${warm ? 'warm' : 'cold'}`,
      ...(warm ? {} : { fix: `Run \`magsag servers test ${server.id}\` to start it once and cache its tools.` }),
    });
  }
  const catalog = path.join(generatedDir, 'catalog.json');
  checks.push(
    existsSync(catalog)
      ? { check: 'modules', status: 'ok', message: `generated modules in ${generatedDir}` }
      : { check: 'modules', status: 'warn', message: `no ${catalog}`, fix: 'Run `magsag codegen` (after `magsag codegen --refresh` for servers without a tool snapshot).' },
  );
  // Only this repository (and copies of it) ships demo data; a project of the user's own has none to check.
  if (!existsSync(path.join(paths.root, 'tools', 'adk', 'demo-data'))) return checks;
  const demo = path.join(paths.stateDir, 'demo');
  checks.push(
    existsSync(demo) && statSync(demo).isDirectory()
      ? { check: 'demo-data', status: 'ok', message: demo }
      : { check: 'demo-data', status: 'warn', message: `no demo data in ${demo}`, fix: 'Run `magsag demo reset`.' },
  );
  return checks;
}
