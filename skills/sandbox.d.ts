// The sandbox global a skill may use besides its imports, so the repository's own compiler checks
// skills as the runner's type-checker does. Kept equal to @magsag/runner's `workspaceTypes` by a test.
interface MagsagWorkspaceEntry { path: string; type: 'file' | 'directory'; bytes: number }
/** Files of the run's workspace; paths are relative to it. */
interface MagsagWorkspace {
  read(path: string): Promise<string>;
  readJson<T = unknown>(path: string): Promise<T>;
  write(path: string, data: string | object): Promise<{ path: string; bytes: number }>;
  list(path?: string): Promise<MagsagWorkspaceEntry[]>;
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}
declare const workspace: MagsagWorkspace;
