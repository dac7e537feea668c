/**
 * What a run left on the simulated GitHub, read through the simulator's admin
 * API: the issue branch's commits, pull requests, progress comments. Shared by
 * the tests that check "one commit per agent, one PR, one comment".
 */
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueRef, IssueStatus, IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import type { Stack } from './stack.js';

export interface LogEntry {
  sha: string;
  message: string;
  parents: string[];
  files_changed: string[];
}
export interface SimPull {
  number: number;
  state: string;
  draft: boolean;
  merged?: boolean;
  body: string | null;
  head: string;
}
export interface SimComment {
  issue_number?: number;
  body: string;
}

export function repoChecks(stack: Stack) {
  const ref = (n: number): IssueRef => ({ owner: stack.owner, repo: stack.repo, number: n });
  const simState = async () =>
    (await stack.sim('github', 'GET', `/_sim/state?repo=${stack.owner}/${stack.repo}`)) as {
      pulls: SimPull[];
      comments: SimComment[];
    };
  /** The branch issue `n`'s latest run works on (run-scoped, property 8): from its status. */
  const branch = async (n: number): Promise<string> => {
    const status = await stack.client.workflow
      .getHandle(issueWorkflowId(ref(n)))
      .query(statusQuery);
    if (!status.branch) throw new Error(`issue #${n}'s run has no branch`);
    return status.branch;
  };
  return {
    ref,
    branch,
    async finished(n: number): Promise<{ result: IssueWorkflowResult; status: IssueStatus }> {
      const handle = stack.client.workflow.getHandle(issueWorkflowId(ref(n)));
      const result = (await handle.result()) as IssueWorkflowResult;
      const status = await handle.query(statusQuery);
      return { result, status };
    },
    async branchLog(n: number): Promise<LogEntry[]> {
      const path = `/_sim/repos/${stack.owner}/${stack.repo}/log?ref=${encodeURIComponent(await branch(n))}`;
      return (await stack.sim('github', 'GET', path)) as LogEntry[];
    },
    async files(branch: string): Promise<Record<string, string>> {
      const path = `/_sim/repos/${stack.owner}/${stack.repo}/files?ref=${encodeURIComponent(branch)}`;
      return (await stack.sim('github', 'GET', path)) as Record<string, string>;
    },
    simState,
    async pullsFor(n: number): Promise<SimPull[]> {
      const head = await branch(n);
      return (await simState()).pulls.filter((p) => p.head === head);
    },
    async progressComments(n: number): Promise<SimComment[]> {
      const marker = `<!-- blogtube:progress ${issueWorkflowId(ref(n))} -->`;
      return (await simState()).comments.filter((c) => c.body.includes(marker));
    },
  };
}

/** Commits on a branch per `BlogTube-Agent` trailer. */
export function agentCommits(log: LogEntry[]): Map<string, number> {
  const byAgent = new Map<string, number>();
  for (const c of log) {
    const m = /BlogTube-Agent: (\w+)/.exec(c.message);
    if (m?.[1]) byAgent.set(m[1], (byAgent.get(m[1]) ?? 0) + 1);
  }
  return byAgent;
}
