/**
 * The sandbox repository as a real project (files under ./project/): pushed
 * onto a branch of a simulated repository through the git data API, as any
 * client would; and the seed of the simulator's repositories (`main`, in two
 * commits).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Octokit } from '@octokit/rest';
import type { SeedCommit } from './seed-files.js';

/** The project's files: next to this module in the sources, `sandbox/github/project`. */
export function projectDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled to dist/sandbox/github/: the files stay in the source tree.
  return join(here.replace(/\/dist\/sandbox\/github$/, '/sandbox/github'), 'project');
}

/** Every file under `dir`, as sorted relative paths. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Commits the project on top of `base` and points `refs/heads/<branch>` at it; its sha. */
export async function pushProject(
  github: Octokit,
  repo: { owner: string; repo: string },
  branch: string,
  base = 'main',
): Promise<string> {
  const root = projectDir();
  const { data: head } = await github.git.getRef({ ...repo, ref: `heads/${base}` });
  const { data: tree } = await github.git.createTree({
    ...repo,
    tree: await Promise.all(
      (await filesUnder(root)).map(async (path) => ({
        path,
        mode: '100644' as const,
        type: 'blob' as const,
        content: await readFile(join(root, path), 'utf8'),
      })),
    ),
  });
  const { data: commit } = await github.git.createCommit({
    ...repo,
    message: 'BlogTube as a real project',
    tree: tree.sha,
    parents: [head.object.sha],
  });
  await github.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  return commit.sha;
}

/** Every file under `dir`, read now (the simulator's seed is synchronous). */
function filesUnderSync(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnderSync(dir, join(sub, e.name)) : [join(sub, e.name)],
  );
}

/** Where a file of the project arrives in the seed: the app first, then deployment, docs and agent config. */
function secondCommit(path: string): boolean {
  return /^(deploy|docs|\.github)\//.test(path) || path === 'AGENTS.md';
}

/** The project as the seed's two commits on `main` (dates as the classic seed's). */
export function projectSeedCommits(): SeedCommit[] {
  const root = projectDir();
  const all = filesUnderSync(root).sort();
  const read = (paths: string[]): Record<string, string> =>
    Object.fromEntries(paths.map((path) => [path, readFileSync(join(root, path), 'utf8')]));
  return [
    {
      message: 'Initial BlogTube app: database layer, HTTP API, web pages and their tests\n',
      date: '2025-01-06T09:00:00Z',
      files: read(all.filter((p) => !secondCommit(p))),
    },
    {
      message: 'Add deployment, developer docs and agent configuration\n',
      date: '2025-01-07T10:30:00Z',
      files: read(all.filter(secondCommit)),
    },
  ];
}
