/**
 * GitHub activities. Every write is idempotent under retry: the branch (exists
 * → reuse), each agent's commit (found again by its trailer), the PR (found
 * again by head branch) and comments (found again by a hidden marker).
 */
import type { Octokit } from '@octokit/rest';
import { ApplicationFailure } from '@temporalio/common';
import { parse as parseYaml } from 'yaml';
import { atBoundary, errorFacts, throughBreaker } from './boundary.js';
import { callingRunId, whileAlive } from './liveness.js';
import type { CircuitBreaker } from './pure/breaker.js';
import { classify } from './pure/errors.js';
import { issueText } from '../common/text/issue-text.js';
import { truncate } from '../common/text/sanitize.js';
import { authenticatedLogin } from '../common/github-app.js';
import { domainFailure, Failure, upstreamFailureType } from '../common/failures.js';
import { MAX_STATUS_DESCRIPTION } from '../common/checks.js';
import type { CommitStatusInput, CommitStatusWritten, ExpectedStatus } from '../common/checks.js';
import { commitTrailer, hasTrailer } from '../common/ids.js';
import { commitMessage } from '../common/inert-text.js';
import { checkLifecycleScripts, checkWrite, isPackageJson } from '../common/path-guard.js';
import type { Staged, WriteRules } from '../common/path-guard.js';
import { ConfigError, validateRepoConfig } from '../common/repo-config.js';
import type { RepoConfig } from '../common/repo-config.js';
import type { AgentType, IssueData, IssueRef, StagedFile } from '../common/schemas.js';

export const CONFIG_PATH = '.github/blogtube.yml';
const MAX_READ_CHARS = 12_000;
const MAX_LIST_LINES = 300;

/** A repository, without an issue. */
export type RepoRef = Pick<IssueRef, 'owner' | 'repo'>;

export interface GitHubDeps {
  octokit: Octokit;
  /** This worker's GitHub circuit breaker (none: every call goes through). */
  breaker?: CircuitBreaker;
}

/**
 * Profile settings that runs recorded with their config before run settings
 * existed (`common/run-settings.ts`); read back only when such a run replays.
 */
export interface LegacyRunDefaults {
  /** Start-to-close timeout of one model call (the profile's agent timeout). */
  modelCallTimeoutMs: number;
  /** Attempts of the analysis local activity. */
  analysisAttempts: number;
}

export interface LoadedConfig {
  config: RepoConfig;
  /** Head commit of the default branch the config was read at. */
  baseSha: string;
  source: 'file' | 'defaults';
  /** Only in histories recorded between profiles and run settings. */
  defaults?: LegacyRunDefaults;
}

export interface PullRequestInput {
  ref: IssueRef;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export interface PullRequestInfo {
  number: number;
  url: string;
  draft: boolean;
  headSha: string;
}

export interface VerifyInput {
  ref: IssueRef;
  branch: string;
  commits: { agent: AgentType; sha: string }[];
  prNumber?: number;
  /** The latest status each context must have on the branch head (the checks the run reported). */
  statuses?: ExpectedStatus[];
}

export interface CommitInput {
  ref: IssueRef;
  branch: string;
  workflowId: string;
  agent: AgentType;
  summary: string;
  files: StagedFile[];
}

function pullInfo(pr: {
  number: number;
  html_url: string;
  draft?: boolean;
  head: { sha: string };
}): PullRequestInfo {
  return { number: pr.number, url: pr.html_url, draft: pr.draft ?? false, headSha: pr.head.sha };
}

/** GitHub refuses a status description longer than 140 characters. */
function cutDescription(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_STATUS_DESCRIPTION
    ? line
    : `${line.slice(0, MAX_STATUS_DESCRIPTION - 1)}…`;
}

function isStatus(err: unknown, status: number): boolean {
  return (err as { status?: number })?.status === status;
}

/** The breaker each guarded client's requests go through (a client is hooked once). */
const guarded = new WeakMap<Octokit, CircuitBreaker>();

/**
 * Every request of `octokit` goes through `breaker`, one outcome per request:
 * an activity that makes five requests against a GitHub failing 40% of them
 * fails most attempts, and counting attempts would open the breaker on a
 * degraded GitHub, not only on one that is down.
 */
export function guardRequests(octokit: Octokit, breaker: CircuitBreaker): void {
  const current = guarded.get(octokit);
  if (current === breaker) return;
  if (current) throw new Error('this GitHub client already reports to another circuit breaker');
  guarded.set(octokit, breaker);
  octokit.hook.wrap('request', (request, options) =>
    throughBreaker('github', breaker, async () => request(options)),
  );
}

export function createGitHubActivities({ octokit, breaker }: GitHubDeps) {
  if (breaker) guardRequests(octokit, breaker);
  const atGitHub = <T>(fn: () => Promise<T>) => whileAlive(() => atBoundary('github', fn));
  const repoOf = (ref: RepoRef) => ({ owner: ref.owner, repo: ref.repo });

  async function headSha(ref: IssueRef, branch: string): Promise<string | undefined> {
    try {
      const { data } = await octokit.rest.git.getRef({ ...repoOf(ref), ref: `heads/${branch}` });
      return data.object.sha;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** A file's text at a commit or branch, or undefined when there is no such file. */
  async function fileText(ref: RepoRef, path: string, at: string): Promise<string | undefined> {
    try {
      const { data } = await octokit.rest.repos.getContent({ ...repoOf(ref), path, ref: at });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Each expected status the head commit does not hold as its context's latest. */
  async function statusMismatches(
    ref: RepoRef,
    sha: string,
    expected: readonly ExpectedStatus[],
  ): Promise<string[]> {
    const { data } = await octokit.rest.repos.getCombinedStatusForRef({
      ...repoOf(ref),
      ref: sha,
      per_page: 100,
    });
    const latest = new Map(data.statuses.map((s) => [s.context.toLowerCase(), s.state]));
    return expected.flatMap((e) => {
      const state = latest.get(e.context.toLowerCase());
      if (state === e.state) return [];
      const held = state ? `is ${state}` : 'is missing';
      return [`status ${e.context} on ${sha.slice(0, 7)} ${held}, not ${e.state}`];
    });
  }

  /**
   * The progress comment: the one carrying `marker` written by this client's
   * own account. Anyone can paste the marker into a comment of theirs; such a
   * comment is never edited nor taken for the run's.
   */
  async function findMarkedComment(ref: IssueRef, marker: string) {
    const me = (await authenticatedLogin(octokit)).toLowerCase();
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repoOf(ref),
      issue_number: ref.number,
      per_page: 100,
    });
    return comments.find((c) => c.body?.includes(marker) && c.user?.login.toLowerCase() === me);
  }

  return {
    /** The issue, its text cleaned of content a human reader would not see. */
    async loadIssue(ref: IssueRef): Promise<IssueData> {
      return atGitHub(async () => {
        const [{ data: repo }, { data: issue }] = await Promise.all([
          octokit.rest.repos.get(repoOf(ref)),
          octokit.rest.issues.get({ ...repoOf(ref), issue_number: ref.number }),
        ]);
        return {
          number: issue.number,
          ...issueText(issue.title, issue.body),
          labels: issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
          author: issue.user?.login ?? 'unknown',
          state: issue.state,
          defaultBranch: repo.default_branch,
          htmlUrl: issue.html_url,
        };
      });
    },

    /** `.github/blogtube.yml` at the default branch's head; a bad file is a non-retryable failure naming the field. */
    async loadRepoConfig(ref: IssueRef, defaultBranch: string): Promise<LoadedConfig> {
      const { baseSha, text } = await atGitHub(async () => {
        const sha = await headSha(ref, defaultBranch);
        if (!sha)
          throw ApplicationFailure.nonRetryable(
            `branch ${defaultBranch} not found`,
            upstreamFailureType('github', 'validation'),
          );
        return { baseSha: sha, text: await fileText(ref, CONFIG_PATH, sha) };
      });
      const loaded = (config: RepoConfig, source: LoadedConfig['source']): LoadedConfig => ({
        config,
        baseSha,
        source,
      });
      if (text === undefined) return loaded(validateRepoConfig({}), 'defaults');
      try {
        const doc = parseYaml(text, { maxAliasCount: 50 }) as unknown;
        return loaded(validateRepoConfig(doc), 'file');
      } catch (err) {
        const field = err instanceof ConfigError ? err.field : '(yaml)';
        const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
        throw domainFailure(Failure.InvalidConfig, `${CONFIG_PATH}: ${message}`, { field });
      }
    },

    /** Create the issue branch from `baseSha`, or reuse it when it exists. */
    async ensureBranch(ref: IssueRef, branch: string, baseSha: string): Promise<string> {
      return atGitHub(async () => {
        const existing = await headSha(ref, branch);
        if (existing) return existing;
        try {
          await octokit.rest.git.createRef({
            ...repoOf(ref),
            ref: `refs/heads/${branch}`,
            sha: baseSha,
          });
          return baseSha;
        } catch (err) {
          if (isStatus(err, 422)) {
            const now = await headSha(ref, branch);
            if (now) return now;
          }
          throw err;
        }
      });
    },

    async listFiles(ref: IssueRef, branch: string, dir: string): Promise<string[]> {
      return atGitHub(async () => {
        const sha = await headSha(ref, branch);
        if (!sha)
          throw ApplicationFailure.nonRetryable(
            `branch ${branch} not found`,
            upstreamFailureType('github', 'validation'),
          );
        // A commit SHA names its tree here too (GitHub resolves tree-ish): one request fewer.
        const { data: tree } = await octokit.rest.git.getTree({
          ...repoOf(ref),
          tree_sha: sha,
          recursive: '1',
        });
        const prefix = dir === '' ? '' : `${dir.replace(/\/+$/, '')}/`;
        return tree.tree
          .filter((e) => e.type === 'blob' && e.path !== undefined && e.path.startsWith(prefix))
          .map((e) => e.path as string)
          .slice(0, MAX_LIST_LINES);
      });
    },

    /** A file's text at the branch head (truncated), or undefined when absent. */
    async readFile(ref: IssueRef, branch: string, path: string): Promise<string | undefined> {
      return atGitHub(async () => {
        try {
          const text = await fileText(ref, path, branch);
          return text === undefined ? undefined : truncate(text, MAX_READ_CHARS);
        } catch (err) {
          // Not a failure of the run: the agent is told, and reads something else.
          if (classify(errorFacts(err, 'github')).errorClass !== 'too_large') throw err;
          return `[${path} is too large to read through GitHub's contents API (over 1 MB): it cannot be shown; work with other files]`;
        }
      });
    },

    /** Store a file's content as a blob (content-addressed, so a retry is harmless). */
    async stageFile(
      ref: IssueRef,
      path: string,
      content: string,
      rules: WriteRules,
      staged: Staged[],
    ): Promise<StagedFile> {
      const verdict = checkWrite(path, content, rules, staged);
      if (!verdict.ok) throw domainFailure(Failure.PathRefused, `write refused: ${verdict.reason}`);
      return atGitHub(async () => {
        if (isPackageJson(verdict.path)) {
          // Compared with the default branch: every earlier write was checked the same way.
          const { data: repo } = await octokit.rest.repos.get(repoOf(ref));
          const before = await fileText(ref, verdict.path, repo.default_branch);
          const scripts = checkLifecycleScripts(verdict.path, before, content, rules);
          if (!scripts.ok)
            throw domainFailure(Failure.PathRefused, `write refused: ${scripts.reason}`);
        }
        const { data } = await octokit.rest.git.createBlob({
          ...repoOf(ref),
          content,
          encoding: 'utf-8',
        });
        return { path: verdict.path, blobSha: data.sha, bytes: Buffer.byteLength(content) };
      });
    },

    /**
     * Commit an agent's staged files on the branch, exactly once: a commit
     * carrying this run's and agent's trailer is found again instead of made twice.
     * The trailer names the calling workflow's run id: another run's commit (a
     * new run after retention, a merged commit with the same workflow id and
     * agent) is never taken for this one's.
     */
    async commitAgentChanges(input: CommitInput): Promise<{ sha: string; reused: boolean }> {
      const { ref, branch } = input;
      const trailer = commitTrailer(input.workflowId, input.agent, callingRunId());
      return atGitHub(async () => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const { data: commits } = await octokit.rest.repos.listCommits({
            ...repoOf(ref),
            sha: branch,
            per_page: 100,
          });
          const found = commits.find((c) => hasTrailer(c.commit.message, trailer));
          if (found) return { sha: found.sha, reused: true };
          const head = commits[0];
          if (!head)
            throw ApplicationFailure.nonRetryable(
              `branch ${branch} has no commits`,
              upstreamFailureType('github', 'validation'),
            );
          const { data: tree } = await octokit.rest.git.createTree({
            ...repoOf(ref),
            base_tree: head.commit.tree.sha,
            tree: input.files.map((f) => ({
              path: f.path,
              mode: '100644',
              type: 'blob',
              sha: f.blobSha,
            })),
          });
          const message = commitMessage(input.agent, input.summary, ref.number, trailer);
          const { data: commit } = await octokit.rest.git.createCommit({
            ...repoOf(ref),
            message,
            tree: tree.sha,
            parents: [head.sha],
          });
          try {
            await octokit.rest.git.updateRef({
              ...repoOf(ref),
              ref: `heads/${branch}`,
              sha: commit.sha,
              force: false,
            });
            return { sha: commit.sha, reused: false };
          } catch (err) {
            // Another agent moved the branch first (not a fast forward): rebase onto the new head.
            // A protected branch answers 422 too, and no rebase helps with that.
            if (
              !isStatus(err, 422) ||
              classify(errorFacts(err, 'github')).errorClass === 'branch_protection'
            )
              throw err;
          }
        }
        throw ApplicationFailure.retryable(
          `branch ${branch} kept moving; will retry`,
          upstreamFailureType('github', 'conflict'),
        );
      });
    },

    /**
     * Create or update the one comment carrying `marker`. With `knownId` (from
     * an earlier call) the update is a single request; a comment that was
     * deleted meanwhile is looked for again by its marker, or made anew.
     */
    async upsertComment(
      ref: IssueRef,
      marker: string,
      body: string,
      knownId?: number,
    ): Promise<number> {
      const full = `${marker}\n${body}`;
      return atGitHub(async () => {
        if (knownId !== undefined) {
          try {
            await octokit.rest.issues.updateComment({
              ...repoOf(ref),
              comment_id: knownId,
              body: full,
            });
            return knownId;
          } catch (err) {
            if (!isStatus(err, 404)) throw err;
          }
        }
        const existing = await findMarkedComment(ref, marker);
        if (existing) {
          if (existing.body !== full) {
            await octokit.rest.issues.updateComment({
              ...repoOf(ref),
              comment_id: existing.id,
              body: full,
            });
          }
          return existing.id;
        }
        const { data } = await octokit.rest.issues.createComment({
          ...repoOf(ref),
          issue_number: ref.number,
          body: full,
        });
        return data.id;
      });
    },

    /**
     * Open the PR for the branch, or update the one this account already
     * opened for it. The branch is the run's own (property 8), so the lookup
     * never finds another run's PR; a PR someone else opened from the branch
     * is never taken for the run's.
     */
    async openPullRequest(input: PullRequestInput): Promise<PullRequestInfo> {
      const { ref } = input;
      return atGitHub(async () => {
        const me = (await authenticatedLogin(octokit)).toLowerCase();
        const { data: open } = await octokit.rest.pulls.list({
          ...repoOf(ref),
          head: `${ref.owner}:${input.branch}`,
          state: 'open',
        });
        const existing = open.find((p) => p.user?.login.toLowerCase() === me);
        if (existing) {
          const { data } = await octokit.rest.pulls.update({
            ...repoOf(ref),
            pull_number: existing.number,
            title: input.title,
            body: input.body,
          });
          return pullInfo(data);
        }
        const { data } = await octokit.rest.pulls.create({
          ...repoOf(ref),
          head: input.branch,
          base: input.base,
          title: input.title,
          body: input.body,
          draft: input.draft,
        });
        return pullInfo(data);
      });
    },

    /**
     * One commit status, written once per (sha, context, state) under retries:
     * when the context's latest status by this account already has `state`,
     * nothing is written. A later state (`pending`, then `success` or
     * `failure`) is written after it; a re-run of the checks on the same head
     * may move it again.
     */
    async setCommitStatus(input: CommitStatusInput): Promise<CommitStatusWritten> {
      return atGitHub(async () => {
        const me = (await authenticatedLogin(octokit)).toLowerCase();
        const statuses = await octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
          owner: input.owner,
          repo: input.repo,
          ref: input.sha,
          per_page: 100,
        });
        const context = input.context.toLowerCase();
        // Newest first: the first one of this context by this account is its latest.
        const latest = statuses.find(
          (s) => s.context.toLowerCase() === context && s.creator?.login.toLowerCase() === me,
        );
        if (latest?.state === input.state) return { id: latest.id, created: false };
        const { data } = await octokit.rest.repos.createCommitStatus({
          owner: input.owner,
          repo: input.repo,
          sha: input.sha,
          context: input.context,
          state: input.state,
          description: cutDescription(input.description),
          ...(input.targetUrl ? { target_url: input.targetUrl } : {}),
        });
        return { id: data.id, created: true };
      });
    },

    /**
     * Success is checked against GitHub, not assumed: the branch holds every
     * agent's commit, the PR is open with the branch as its head, and the
     * head's statuses are the ones the run reported.
     */
    async verifyRun(input: VerifyInput): Promise<void> {
      const { ref, branch } = input;
      const problems = await atGitHub(async () => {
        const found: string[] = [];
        const head = await headSha(ref, branch);
        if (!head) return [`branch ${branch} does not exist`];
        const { data: commits } = await octokit.rest.repos.listCommits({
          ...repoOf(ref),
          sha: branch,
          per_page: 100,
        });
        const onBranch = new Set(commits.map((c) => c.sha));
        for (const c of input.commits) {
          if (!onBranch.has(c.sha))
            found.push(`the ${c.agent} agent's commit ${c.sha.slice(0, 7)} is not on ${branch}`);
        }
        if (input.statuses && input.statuses.length > 0) {
          found.push(...(await statusMismatches(ref, head, input.statuses)));
        }
        if (input.prNumber !== undefined) {
          const { data: pr } = await octokit.rest.pulls.get({
            ...repoOf(ref),
            pull_number: input.prNumber,
          });
          if (pr.state !== 'open') found.push(`pull request #${pr.number} is ${pr.state}`);
          if (pr.head.ref !== branch)
            found.push(`pull request #${pr.number} has head ${pr.head.ref}, not ${branch}`);
          else if (pr.head.sha !== head)
            found.push(
              `pull request #${pr.number} head ${pr.head.sha.slice(0, 7)} is not the branch head ${head.slice(0, 7)}`,
            );
        }
        return found;
      });
      if (problems.length > 0) {
        throw domainFailure(
          Failure.VerificationFailed,
          `verification failed: ${problems.join('; ')}`,
        );
      }
    },

    /** The repository's agent docs (AGENTS.md or CLAUDE.md) at a commit. */
    async readAgentDocs(ref: RepoRef, sha: string): Promise<string> {
      for (const path of ['AGENTS.md', 'CLAUDE.md']) {
        const text = await atGitHub(() => fileText(ref, path, sha));
        if (text !== undefined) return truncate(text, 6000);
      }
      return '';
    },
  };
}

export type GitHubActivities = ReturnType<typeof createGitHubActivities>;
