/** A bare workspace for sandbox tests: checkout, home and tmp, owned by the sandbox user. */
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sandboxOwner, type WorkspaceDirs } from '../../activities/workspace/sandbox.js';
import { makeTempDir } from './tmp.js';

/** The dirs of a workspace under `base` (made reachable by the sandbox user); see makeSandboxDirs. */
export function sandboxDirs(base: string): WorkspaceDirs {
  const root = join(base, 'ws');
  return {
    root,
    checkout: join(root, 'checkout'),
    home: join(root, 'home'),
    tmp: join(root, 'tmp'),
  };
}

/** Makes (or remakes, empty) the workspace `dirs` under `base`, as a worker's store would. */
export async function makeSandboxDirs(base: string, dirs: WorkspaceDirs): Promise<void> {
  await chmod(base, 0o755);
  await rm(dirs.root, { recursive: true, force: true });
  const owner = sandboxOwner();
  for (const d of [dirs.root, dirs.checkout, dirs.home, dirs.tmp]) {
    await mkdir(d, { recursive: true });
    if (owner) await chown(d, owner.uid, owner.gid);
  }
}

/**
 * A throwaway directory the sandbox user can reach (a worker's workspace
 * root goes in it), with a reachable `workspaces/` folder inside.
 */
export async function makeSandboxRoot(
  prefix: string,
): Promise<{ dir: string; workspaces: string; cleanup: () => Promise<void> }> {
  const tmp = await makeTempDir(prefix);
  await chmod(tmp.dir, 0o755);
  const workspaces = join(tmp.dir, 'workspaces');
  await mkdir(workspaces);
  await chmod(workspaces, 0o755);
  return { ...tmp, workspaces };
}
