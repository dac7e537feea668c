/**
 * A GitHub simulator repository ready for the commit activities: issue #1,
 * its run branch from `main`, and one file staged for the backend agent.
 */
import { createGitHubActivities } from '../../activities/github.js';
import { createOctokit } from '../../common/github-client.js';
import type { StagedFile } from '../../common/schemas.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';

export const STAGED_REF = { owner: 'blogtube', repo: 'blogtube', number: 1 };
export const STAGED_BRANCH = 'blogtube/issue-1';

export async function stageOnBranch(simUrl: string): Promise<StagedFile> {
  const gh = createGitHubActivities({ octokit: createOctokit(simUrl, SANDBOX_TOKENS.bot) });
  const maintainer = createOctokit(simUrl, SANDBOX_TOKENS.maintainer);
  const { owner, repo } = STAGED_REF;
  await maintainer.rest.issues.create({ owner, repo, title: 'x' });
  const { data: main } = await maintainer.rest.git.getRef({ owner, repo, ref: 'heads/main' });
  await gh.ensureBranch(STAGED_REF, STAGED_BRANCH, main.object.sha);
  const rules = { allowed: ['api/**'], protectedPaths: [], maxFileBytes: 1000, maxFiles: 5 };
  return gh.stageFile(STAGED_REF, 'api/x.js', 'export {};\n', rules, []);
}
