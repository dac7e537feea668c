/**
 * What a maintainer does through the real REST API, for tests and tools that
 * drive the simulator (or a real repository): push a commit to the default branch.
 */
import type { Octokit } from '@octokit/rest';

export async function commitFile(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  path: string,
  content: string,
  branch = 'main',
): Promise<string> {
  const { data: head } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  const { data: commit } = await octokit.rest.git.getCommit({
    ...repo,
    commit_sha: head.object.sha,
  });
  const { data: tree } = await octokit.rest.git.createTree({
    ...repo,
    base_tree: commit.tree.sha,
    tree: [{ path, mode: '100644', type: 'blob', content }],
  });
  const { data: next } = await octokit.rest.git.createCommit({
    ...repo,
    message: `Update ${path}`,
    tree: tree.sha,
    parents: [head.object.sha],
  });
  await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha: next.sha });
  return next.sha;
}
